import EventLoop

/// etcd's leader monitor for streams opened with the `hasleader: true` metadata (etcdctl's
/// watch, clientv3's WithRequireLeader): once the member has had no leader for
/// `maxNoLeaderChecks` election timeouts in a row, the stream ends with "etcdserver: no
/// leader" so the client moves to a member that has one. Short elections do not end streams
/// (reconnecting costs a client far more than waiting a moment).
final class LeaderMonitor {
    static let maxNoLeaderChecks = 3
    private var timer: LoopTimer?
    private var noLeaderChecks = 0

    /// Checks `member` every election timeout; `onLost` runs once, and then the monitor stops.
    init(member: EtcdMember, onLost: @escaping () -> Void) {
        timer = member.loop.scheduleRepeating(everyMilliseconds: max(1, member.options.electionTimeoutMilliseconds)) {
            [weak self, unowned member] in
            guard let self else { return }
            noLeaderChecks = member.leader == .none ? noLeaderChecks + 1 : 0
            guard noLeaderChecks >= Self.maxNoLeaderChecks else { return }
            cancel()
            onLost()
        }
    }

    func cancel() {
        timer?.cancel()
        timer = nil
    }

    deinit { timer?.cancel() }
}
