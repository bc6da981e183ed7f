import Foundation
import Raft

extension EtcdMember {
    /// How long the ackBeforeFsync canary holds a Ready's records before writing them: the
    /// window in which a kill loses acknowledged writes (a slow disk's fsync, in etcd #14370).
    static let canaryWALLagMilliseconds: UInt64 = 25

    /// The ackBeforeFsync canary's Ready handling (a known bug, on purpose): apply the committed
    /// entries first, which answers their clients, and only later append and fsync the WAL.
    /// `finishReady` then skips the entries already applied.
    func acknowledgeBeforeFsync(_ rd: Ready, messages: [Message]) {
        apply(rd.committedEntries)
        _ = loop.schedule(afterMilliseconds: Self.canaryWALLagMilliseconds) { [unowned self] in
            guard !stopped else { return }
            do { try raftLog.append(hardState: rd.hardState, entries: rd.entries) } catch {
                fatal("failed to append to the WAL", error)
            }
            let box = UncheckedBox(raftLog)
            loop.submitWork({ () -> String? in
                do { try box.value.sync() } catch { return "\(error)" }
                return nil
            }, completion: { [unowned self] failure in
                if let failure { fatal("failed to sync the WAL", failure) }
                finishReady(rd, messages: messages)
            })
        }
    }
}
