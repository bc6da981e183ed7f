import Raft

/// What clients and operators do to the cluster: proposals, linearizable reads, membership
/// changes (single-step and joint, learners and promotions), leadership transfers, and each
/// server's own log compaction.
extension Simulation {

    func clientActions() throws {
        let up = upNodes
        if up.isEmpty { return }
        // Once healed, clients only trickle in: the test is whether anything commits.
        let proposeRate = faultsOn ? options.proposeRate : 0.2
        if rng.chance(proposeRate) { try propose(at: rng.pick(up)) }
        if rng.chance(options.readRate) { try read(at: rng.pick(up)) }  // may pick a node that just crashed: skipped
        if faultsOn {
            if rng.chance(options.confChangeRate) { try changeMembership() }
            if rng.chance(options.transferRate) { try transfer() }
        } else if let l = currentLeader(), l.confState.isJoint, !l.confState.autoLeave, rng.chance(0.1) {
            try proposeConfChange(ConfChange(transition: .auto, changes: [], context: []), at: l)
        }
        // Once healed, compaction keeps going so a leader whose last snapshot predates a
        // joiner's addition eventually has one the joiner accepts.
        let compactRate = faultsOn ? options.compactRate : max(options.compactRate, 0.02)
        for n in started where n.isUp && rng.chance(compactRate) { try compact(n) }
    }

    func propose(at n: SimNode) throws {
        nextProposal += 1
        var data: [UInt8] = [faultsOn ? Simulation.faultPhaseTag : Simulation.livenessPhaseTag]
        SimDisk.appendU64(&data, nextProposal)
        trace.record(now, .propose, n.id.rawValue, nextProposal, 0, 0, "propose #\(nextProposal) at \(n.id)")
        guard let raw = n.raw else { return }
        do { try raw.propose(data) } catch {}
        try drive(n)
    }

    func read(at n: SimNode) throws {
        guard let raw = n.raw else { return }
        nextRead += 1
        var ctx: [UInt8] = []
        SimDisk.appendU64(&ctx, nextRead)
        checker.readRequested(id: nextRead, node: n.id)
        trace.record(now, .readIndex, n.id.rawValue, nextRead, checker.maxCommit, 0,
                     "read #\(nextRead) at \(n.id) (committed so far: \(checker.maxCommit))")
        raw.readIndex(context: ctx)
        try drive(n)
    }

    func transfer() throws {
        guard let l = currentLeader() else { return }
        let targets = l.confState.voters.filter { $0 != l.id }
        guard !targets.isEmpty else { return }
        let to = rng.pick(targets)
        trace.record(now, .transfer, l.id.rawValue, to.rawValue, 0, 0, "transfer leadership \(l.id) -> \(to)")
        l.raw!.transferLeadership(to: to)
        try drive(l)
    }

    /// Picks one membership change valid for the leader's current configuration.
    func changeMembership() throws {
        guard let l = currentLeader() else { return }
        let cs = l.confState
        if cs.isJoint {
            if !cs.autoLeave { try proposeConfChange(ConfChange(transition: .auto, changes: [], context: []), at: l) }
            return
        }
        let fresh = (1..<nodes.count).first { nodes[$0] == nil }.map { NodeID(rawValue: UInt64($0)) }
        var options: [ConfChangeSingle] = []
        if let f = fresh {
            options.append(ConfChangeSingle(type: .addLearnerNode, nodeID: f))
            options.append(ConfChangeSingle(type: .addNode, nodeID: f))
        }
        for learner in cs.learners { options.append(ConfChangeSingle(type: .addNode, nodeID: learner)) }
        if cs.voters.count >= 2 {
            for v in cs.voters {
                options.append(ConfChangeSingle(type: .removeNode, nodeID: v))
                options.append(ConfChangeSingle(type: .addLearnerNode, nodeID: v))  // demotion
            }
        }
        for learner in cs.learners { options.append(ConfChangeSingle(type: .removeNode, nodeID: learner)) }
        guard !options.isEmpty else { return }
        var changes = [rng.pick(options)]
        var transition = ConfChangeTransition.auto
        if self.options.jointChanges && rng.chance(0.6) {
            // A second change on another node makes this a joint-consensus change.
            let rest = options.filter { $0.nodeID != changes[0].nodeID }
            if !rest.isEmpty {
                changes.append(rng.pick(rest))
                // Never leave a configuration without voters.
                let removed = changes.filter { $0.type != .addNode && cs.voters.contains($0.nodeID) }.count
                let added = changes.filter { $0.type == .addNode }.count
                if cs.voters.count - removed + added < 1 { changes.removeLast() }
            }
            transition = rng.pick([.auto, .jointImplicit, .jointExplicit])
        }
        // A change that takes the leader out of the voters must leave a majority of the old
        // voters in place. Otherwise, once the leader applies it and stops leading (or crashes),
        // the remaining voters may not know it committed, and under etcd's apply-time
        // configuration they then need a removed voter's vote, which a longer log refuses for
        // ever. etcd-io/raft shares this hazard; etcd's strict reconfiguration check is the
        // operator-side guard copied here.
        var newVoters = Set(cs.voters)
        for c in changes {
            if c.type == .addNode { newVoters.insert(c.nodeID) } else { newVoters.remove(c.nodeID) }
        }
        if !newVoters.contains(l.id) && newVoters.intersection(cs.voters).count <= cs.voters.count / 2 {
            return
        }
        for c in changes where c.type != .removeNode {
            if node(c.nodeID) == nil { try startFresh(c.nodeID) }
        }
        try proposeConfChange(ConfChange(transition: transition, changes: changes, context: []), at: l)
    }

    func proposeConfChange(_ cc: ConfChange, at l: SimNode) throws {
        let text = cc.changes.map { "\($0.type) \($0.nodeID)" }.joined(separator: ", ")
        trace.record(now, .proposeConfChange, l.id.rawValue, UInt64(cc.changes.count), UInt64(cc.transition.rawValue), 0,
                     "propose conf change at \(l.id): [\(text)] \(cc.transition)")
        do { try l.raw!.proposeConfChange(cc) } catch {}
        try drive(l)
    }

    /// A new server joins with an empty log and no configuration; the leader brings it up to
    /// date (appends or a snapshot) once the change that adds it is in the leader's config.
    func startFresh(_ id: NodeID) throws {
        let n = SimNode(id: id, bootstrap: nil)
        nodes[Int(id.rawValue)] = n
        n.raw = try makeRaw(n)
        trace.record(now, .start, id.rawValue, 0, 0, 0, "start \(id) (joining)")
    }

    /// Takes a snapshot at the applied index and drops the log before it.
    func compact(_ n: SimNode) throws {
        let applied = n.sm.applied
        guard n.isUp, applied > n.storage.snapshotMeta.index.rawValue, let t = n.storage.termIfPresent(applied) else { return }
        let meta = SnapshotMetadata(confState: n.confState, index: LogIndex(rawValue: applied), term: Term(rawValue: t))
        let snap = Snapshot(data: n.sm.encoded, metadata: meta)
        try checker.snapshot(node: n.id, index: applied, term: t, hash: n.sm.hash)
        try sync(n)
        n.storage.compact(snap)
        n.disk.rewrite(from: n.storage)
        trace.record(now, .compact, n.id.rawValue, applied, t, 0, "compact \(n.id) to \(applied)")
    }
}
