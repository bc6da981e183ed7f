import EventLoop
import Foundation
import KVStore
import Raft

/// Snapshots between members. Raft's snapshot message carries only metadata (index, term,
/// configuration); the state it stands for is the backend file, which travels with it on a
/// connection of its own (`SnapshotSender` / `SnapshotReceiver`).
///
/// Leader: when Raft emits a snapshot message, commit the backend, copy it on the threadpool
/// (the copy holds everything applied, at or past the snapshot index), stream it, and report
/// the outcome to Raft (a failure makes Raft retry later).
///
/// Follower: a verified file is handed to Raft with the message; when Raft's Ready carries the
/// snapshot, the WAL records it first (`pump`), then `installSnapshot` swaps the backend in and
/// rebuilds what lives in memory (`reloadFromBackend`). Entries after the snapshot index that
/// the new backend already holds are skipped by the store (its consistent index).
extension EtcdMember {
    // MARK: Leader side

    func sendSnapshot(_ m: Message) {
        guard let index = m.snapshot?.metadata.index else { return node.reportSnapshot(m.to, failed: true) }
        // Raft pauses a peer in snapshot state until it hears the outcome: a duplicate waits for it.
        guard !transport.isSendingSnapshot(to: m.to), outgoingSnapshots.beginCopy(for: m.to) else { return }
        commitBackend()
        let path = options.snapDirectory + "/" + SnapshotFiles.outgoingName(peer: m.to, index: index)
        let box = UncheckedBox(store)
        let copies = outgoingSnapshots
        log.info("sending database snapshot", [
            "remote-peer-id": .string(hex(m.to)), "snapshot-index": .int(Int64(index.rawValue)),
        ])
        loop.submitWork({ () -> String? in
            defer { copies.copyEnded() }
            do { try box.value.copyCommitted(to: path) } catch { return "\(error)" }
            return nil
        }, completion: { [weak self] failure in
            guard let self else { return }
            outgoingSnapshots.forget(m.to)
            guard !stopped else { unlink(path); return }
            if let failure { return snapshotSent(to: m.to, index: index, path: path, failure: "cannot copy the backend: \(failure)") }
            transport.sendSnapshot(m, filePath: path) { [weak self] failure in
                self?.snapshotSent(to: m.to, index: index, path: path, failure: failure)
            }
        })
    }

    private func snapshotSent(to peer: NodeID, index: LogIndex, path: String, failure: String?) {
        unlink(path)
        guard !stopped else { return }
        if let failure {
            log.warn("failed to send database snapshot", [
                "remote-peer-id": .string(hex(peer)), "snapshot-index": .int(Int64(index.rawValue)), "error": .string(failure),
            ])
        } else {
            log.info("sent database snapshot", ["remote-peer-id": .string(hex(peer)), "snapshot-index": .int(Int64(index.rawValue))])
        }
        metrics.snapshotsSent += failure == nil ? 1 : 0
        node.reportSnapshot(peer, failed: failure != nil)
        loop.requestCheckPhase()
    }

    // MARK: Follower side

    /// A snapshot arrived whole and durable at `path`: Raft decides whether to take it (an
    /// older one than what is committed is ignored, and its file removed by the next install).
    func receiveSnapshot(_ m: Message, path: String, reply: (String?) -> Void) {
        guard !stopped else { return reply("the member is stopping") }
        metrics.snapshotsReceived += 1
        receive(m)
        reply(nil)
        loop.requestCheckPhase()
    }

    /// The hard state that goes with an installed snapshot: commit at least at its index.
    func installedHardState(_ rd: Ready) -> HardState {
        var hs = rd.hardState ?? raftLog.hardState
        if let index = rd.snapshot?.metadata.index, hs.commit < index { hs.commit = index }
        return hs
    }

    /// Called with Raft's Ready once the WAL holds the snapshot record durably.
    func installSnapshot(_ snapshot: Snapshot, hardState: HardState) {
        let index = snapshot.metadata.index
        let path = options.snapDirectory + "/" + SnapshotFiles.receivedName(index: index)
        // Only verified files reach Raft (PeerReceiver refuses snapshots on the message stream).
        guard FileManager.default.fileExists(atPath: path) else { fatal("the backend of a received snapshot is missing", path) }
        do {
            try raftLog.didInstall(snapshot, hardState: hardState)
            CrashPoints.hit("snapshotInstallBeforeSwap")
            outgoingSnapshots.waitForCopies()
            let watchers = store.watchHub
            let tokens = store.auth.tokens  // tokens live on this member, not in the backend
            store.close()
            try SnapshotFiles.swapIn(path, directory: options.snapDirectory)
            CrashPoints.hit("snapshotInstallAfterSwap")
            store = try Self.openStore(options, adoptingWatchers: watchers)
            store.auth.tokens = tokens
            reloadFromBackend()
        } catch {
            fatal("failed to install a snapshot from the leader", error)
        }
        confState = snapshot.metadata.confState
        appliedIndex = index
        snapshotIndex = index
        backendCommittedIndex = index
        if commitIndex < index { commitIndex = index }
        SnapshotFiles.removeStale(directory: options.snapDirectory)
        metrics.snapshotsApplied += 1
        log.info("applied snapshot from the leader", [
            "snapshot-index": .int(Int64(index.rawValue)), "backend-consistent-index": .int(Int64(store.consistentIndex)),
            "revision": .int(store.currentRevision),
        ])
    }

    /// Rebuilds what the member keeps in memory from a backend that was just replaced. The
    /// store rebuilt its own state (key index, leases, alarms) when it opened; membership kept
    /// in the backend reloads here too.
    func reloadFromBackend() {
        store.memberID = memberID.rawValue
        if isLeader { store.lessor.promote(nowMilliseconds: clock.nowMilliseconds) }
        reloadMembershipFromBackend()
    }

    /// Opens the member's store. The WAL is the durable record; the backend needs no fsync per
    /// commit (one per batch keeps its file consistent, and replay from the WAL restores what a
    /// crash lost).
    static func openStore(_ options: MemberOptions, adoptingWatchers: WatchHub? = nil) throws -> KVStore {
        let store = try KVStore(directory: options.snapDirectory, mapSizeBytes: max(8 << 30, Int(options.quotaBackendBytes) * 2),
                                minLeaseTTLSeconds: minLeaseTTL(options), syncMode: .deferMeta, adoptingWatchers: adoptingWatchers)
        store.quotaBytes = options.quotaBackendBytes
        store.watchHub.dropsEventAtCompactionRevision = Canary.dropEventAtCompaction.isArmed
        if CrashPoints.anyArmed { store.onCompactionPhase = { CrashPoints.hit($0.rawValue) } }
        store.auth.bcryptCost = options.auth.bcryptCost
        store.auth.tokens = try tokenProvider(options.auth)
        return store
    }
}

/// The leader's backend copies for snapshots in progress: one per peer, and a way for the loop
/// thread to wait until none reads the store (before closing or replacing it).
final class OutgoingSnapshots: @unchecked Sendable {
    private let condition = NSCondition()
    private var copying: Set<NodeID> = []
    private var running = 0

    /// False when a copy for `peer` is already being made.
    func beginCopy(for peer: NodeID) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard copying.insert(peer).inserted else { return false }
        running += 1
        return true
    }

    /// On the threadpool, once the copy no longer reads the store.
    func copyEnded() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// On the loop thread, once the copy's outcome was handled.
    func forget(_ peer: NodeID) {
        condition.lock()
        copying.remove(peer)
        condition.unlock()
    }

    func waitForCopies() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
