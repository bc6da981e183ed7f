import Foundation
import Raft

extension EtcdMember {
    /// How long the ackBeforeFsync canary holds a Ready's records before writing them: the
    /// window in which a kill loses acknowledged writes (a slow disk's fsync, in etcd #14370).
    static let canaryWALLagMilliseconds: UInt64 = 200

    /// The ackBeforeFsync canary's Ready handling (a known bug, on purpose): the Ready counts
    /// as persisted at once, so the leader's own entries count toward the commit and are
    /// applied and answered; its WAL records are written and fsynced only later.
    func acknowledgeBeforeFsync(_ rd: Ready, messages: [Message]) {
        let hardState = rd.hardState
        let entries = rd.entries
        // Timers with one delay fire in the order they were set, so the records keep their order.
        _ = loop.schedule(afterMilliseconds: Self.canaryWALLagMilliseconds) { [unowned self] in
            guard !stopped else { return }
            do {
                try raftLog.append(hardState: hardState, entries: entries)
                try raftLog.sync()
            } catch {
                fatal("failed to write the WAL", error)
            }
        }
        finishReady(rd, messages: messages)
    }

    /// The ackAfterWriteBeforeFsync canary (a known bug, on purpose): the Ready's records go
    /// to the WAL at once (page cache only) and the Ready counts as persisted; the fdatasync
    /// runs on the loop 200 ms later, so syncs never overlap.
    func acknowledgeAfterWrite(_ rd: Ready, messages: [Message]) {
        do {
            try raftLog.append(hardState: rd.hardState, entries: rd.entries)
        } catch {
            fatal("failed to write the WAL", error)
        }
        _ = loop.schedule(afterMilliseconds: Self.canaryWALLagMilliseconds) { [unowned self] in
            guard !stopped else { return }
            do { try raftLog.sync() } catch { fatal("failed to sync the WAL", error) }
        }
        finishReady(rd, messages: messages)
    }
}
