import EtcdAPI
import KVStore

/// Lease checkpoints (etcd 3.4's --experimental-enable-lease-checkpoint): only the leader
/// tracks lease expiry, so without them a new leader restarts every lease from its full TTL.
/// The leader periodically proposes the remaining TTLs; every member applies them to its lessor,
/// and whichever becomes leader next starts each lease from its last checkpoint.
extension EtcdMember {
    func checkpointLeases() {
        guard isLeader, let interval = options.leaseCheckpointIntervalMilliseconds else { return }
        // Each lease is due at most once per interval, so nothing is proposed twice meanwhile.
        let due = store.lessor.dueCheckpoints(nowMilliseconds: clock.nowMilliseconds, intervalMilliseconds: interval)
        guard !due.isEmpty else { return }
        var request = Etcdserverpb_InternalRaftRequest()
        request.leaseCheckpoint.checkpoints = due.map { item in
            var c = Etcdserverpb_LeaseCheckpoint()
            c.id = item.id.rawValue
            c.remainingTtl = item.remainingSeconds
            return c
        }
        propose(request) { [weak self] result in
            if case .failure(let error) = result {
                self?.log.warn("failed to checkpoint leases", ["error": .string(error.message), "leases": .int(Int64(due.count))])
            }
        }
        loop.requestCheckPhase()
    }
}
