import Raft

/// The second phase: the faults stop and the cluster must make progress again.
extension Simulation {

    /// Ends the faults: the network is repaired, crashed members restart, nodes removed from
    /// the configuration are stopped, and (sometimes) a minority of voters is left down.
    func heal() throws {
        faultsOn = false
        maxDelay = max(options.minDelay, min(options.maxDelay, options.electionTicks / 4))
        network.healAll()
        partition = nil
        trace.record(now, .heal, 1, 0, 0, 0, "heal: network repaired")
        for n in started where !n.isUp && !n.stopped { try restart(n) }
        var reference: SimNode?
        for n in started where n.isUp {
            if reference == nil || n.sm.applied > reference!.sm.applied { reference = n }
        }
        let longest = started.filter(\.isUp).map(\.storage.lastIndexValue).max() ?? 0
        let backlog = Int(longest > checker.maxCommit ? longest - checker.maxCommit : 0)
        livenessBound = options.livenessTicks + backlog * 2 * (maxDelay + 1) / max(1, min(options.maxInflight, 4))
        guard let ref = reference else { return }
        // A removed server is shut down (etcd's transport refuses removed members, which then
        // stop themselves) only when neither the newest configuration ever applied (a server
        // may have applied it and then crashed) nor any other live server's configuration,
        // joint halves included, names it: until then someone may need its vote. Its own
        // belief that it is a member does not count; a joiner no configuration has included
        // yet stays up.
        for n in started where everMember.contains(n.id.rawValue) && !latestConf.members.contains(n.id) {
            let named = started.contains { o in o.isUp && o.id != n.id && o.confState.members.contains(n.id) }
            if named { continue }
            n.raw = nil
            n.stopped = true
            trace.record(now, .stop, n.id.rawValue, 0, 0, 0, "stop \(n.id): removed from the configuration")
        }
        let voters = ref.confState.allVoters
        if options.confChangeRate == 0 && !ref.confState.isJoint && voters.count >= 3 && rng.chance(0.5) {
            var pick = voters
            shuffle(&pick)
            let k = rng.int(in: 1...((voters.count - 1) / 2))
            for id in pick.prefix(k) {
                if let n = node(id), n.isUp { crash(n, duringWrite: false) }
            }
        }
    }
}
