import Raft

/// The Ready loop of a simulated server, written the way a production driver must be:
/// 1. persist snapshot, entries, hard state, and fsync when `mustSync` (or a snapshot came);
/// 2. only then send the messages (they promise what was persisted: votes, acks);
/// 3. apply committed entries in order (conf changes through `applyConfChange`);
/// 4. `advance`.
/// The checkers run at each step. The `votePersistedLate` canary breaks step 1/2's order.
extension Simulation {
    /// Processes Readies until the node has none (bounded: a node that never settles is a bug).
    func drive(_ n: SimNode) throws {
        var rounds = 0
        while let raw = n.raw, raw.hasReady() {
            rounds += 1
            precondition(rounds < 10_000, "node \(n.id) produced Readies without end")
            try handle(raw.ready(), raw: raw, node: n)
        }
    }

    func handle(_ rd: Ready, raw: RawNode, node n: SimNode) throws {
        // 1. Persist.
        let snap = rd.snapshot.flatMap { $0.isEmpty ? nil : $0 }
        let wrote = snap != nil || !rd.entries.isEmpty || rd.hardState != nil
        if wrote {
            let batch = SimWriteBatch(snapshot: snap, entries: rd.entries, hardState: rd.hardState)
            n.disk.write(batch)
            n.storage.apply(batch)
            try checker.wrote(rd.entries, node: n.id, log: n.storage)
        }
        if let s = snap { try installSnapshot(s, node: n) }
        if let hs = rd.hardState {
            try checker.monotonic(node: n.id, what: "ready", oldTerm: n.term, newTerm: hs.term.rawValue,
                                  oldCommit: n.commit, newCommit: hs.commit.rawValue)
            let oldCommit = n.commit
            n.term = hs.term.rawValue
            n.commit = hs.commit.rawValue
            try checker.committed(node: n.id, from: oldCommit, to: n.commit, term: n.term, log: n.storage)
            if n.commit > oldCommit {
                trace.record(now, .commit, n.id.rawValue, n.commit, n.term, 0, "commit \(n.id) -> \(n.commit) (term \(n.term), entry term \(n.storage.termIfPresent(n.commit).map(String.init) ?? "?"))\(n.role == .leader ? " as leader" : "")")
            }
        }
        if let ss = rd.softState {
            if ss.role == .leader && (n.role != .leader || n.leaderTerm != n.term) {
                n.leaderTerm = n.term
                trace.record(now, .becomeLeader, n.id.rawValue, n.term, n.storage.lastIndexValue, 0,
                             "\(n.id) leads term \(n.term) (log to \(n.storage.lastIndexValue))")
                try checker.electedLeader(n.id, term: n.term, log: n.storage)
            }
            n.role = ss.role
            n.leader = ss.leader
        }
        if wrote && faultsOn && rng.chance(options.crashDuringWriteRate) {
            // The process dies before the fsync returns: nothing below happens.
            crash(n, duringWrite: true)
            return
        }
        if wrote && (rd.mustSync || snap != nil) {
            let grantsVote = rd.messages.contains { $0.type == .voteResponse && !$0.reject }
            if options.canary == .votePersistedLate && grantsVote {
                // The bug: reply now, fsync later (a slow fsync left to complete on its own).
                if n.syncDueAt == nil { n.syncDueAt = now + rng.int(in: 1...5) }
            } else {
                try sync(n)
            }
        }
        if faultsOn && n.role == .leader && !rd.entries.isEmpty && rng.chance(options.isolateLeaderRate) {
            isolate(n)
        }
        // 2. Send.
        for m in rd.messages {
            try checker.sending(m, durable: n.disk.durable)
            transmit(m)
        }
        for rs in rd.readStates {
            var r = ByteReader(bytes: rs.requestContext[...])
            let id = (try? r.u64()) ?? 0
            trace.record(now, .readState, n.id.rawValue, id, rs.index.rawValue, 0, "read #\(id) at \(n.id) served at index \(rs.index)")
            try checker.readServed(id: id, node: n.id, index: rs.index.rawValue)
        }
        // 3. Apply.
        for e in rd.committedEntries { try apply(e, raw: raw, node: n) }
        // 4. Advance.
        raw.advance(rd)
    }

    func installSnapshot(_ s: Snapshot, node n: SimNode) throws {
        n.sm = try SimStateMachine(snapshotData: s.data)
        precondition(n.sm.applied == s.metadata.index.rawValue, "snapshot payload and metadata disagree")
        n.confState = s.metadata.confState
        trace.record(now, .snapshotInstalled, n.id.rawValue, s.metadata.index.rawValue, s.metadata.term.rawValue, 0,
                     "\(n.id) installs snapshot \(s.metadata.index)/\(s.metadata.term) voters \(s.metadata.confState.voters)")
        try checker.snapshot(node: n.id, index: s.metadata.index.rawValue, term: s.metadata.term.rawValue, hash: n.sm.hash)
    }

    func apply(_ e: Entry, raw: RawNode, node n: SimNode) throws {
        let i = e.index.rawValue
        if i != n.sm.applied + 1 {
            throw SimViolation(kind: .applyOrder, detail: "node \(n.id) applied \(n.sm.applied), is given \(i)")
        }
        n.sm.apply(e)
        try checker.applied(e, node: n.id, hash: n.sm.hash)
        if e.type == .confChange {
            let cc: ConfChange
            do { cc = try ConfChange(decoding: e.data) } catch {
                throw SimViolation(kind: .coreError, detail: "node \(n.id) cannot decode conf change at \(i): \(error)")
            }
            let before = n.confState.members
            n.confState = raw.applyConfChange(cc)
            let cs = n.confState
            let after = cs.members
            for m in before where !after.contains(m) { n.removedPeers.insert(m.rawValue) }
            for m in cs.members { everMember.insert(m.rawValue) }
            if i > latestConfIndex {
                latestConfIndex = i
                latestConf = cs
            }
            trace.record(now, .applyConfChange, n.id.rawValue, i, UInt64(cs.voters.count), UInt64(cs.learners.count),
                         "\(n.id) applies conf change at \(i): voters \(cs.voters) learners \(cs.learners)"
                            + (cs.isJoint ? " outgoing \(cs.votersOutgoing)" : ""))
        } else if e.data.first == Simulation.livenessPhaseTag {
            livenessDone = true
        }
    }

    func sync(_ n: SimNode) throws {
        n.disk.sync()
        let hs = n.disk.durable.hardState
        try checker.monotonic(node: n.id, what: "fsync", oldTerm: n.durableTerm, newTerm: hs.term.rawValue,
                              oldCommit: n.durableCommit, newCommit: hs.commit.rawValue)
        n.durableTerm = hs.term.rawValue
        n.durableCommit = hs.commit.rawValue
    }

    /// Puts a message on the wire, with the network's faults.
    func transmit(_ m: Message) {
        if faultsOn && rng.chance(options.dropRate) {
            trace.record(now, .drop, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), 0,
                         "drop \(Simulation.describe(m)) (lost)")
            lost(m)
            return
        }
        let at = now + rng.int(in: options.minDelay...maxDelay)
        trace.record(now, .send, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), UInt64(at),
                     "send \(Simulation.describe(m)) arrives t=\(at)")
        network.send(m, deliverAt: at)
        if faultsOn && rng.chance(options.duplicateRate) {
            let again = now + rng.int(in: options.minDelay...maxDelay)
            trace.record(now, .duplicate, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), UInt64(again),
                         "duplicate \(Simulation.describe(m)) arrives t=\(again)")
            network.send(m, deliverAt: again)
        }
    }
}
