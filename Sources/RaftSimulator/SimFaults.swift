import Raft

/// The fault schedule of the first phase: crashes (sometimes mid-write, with torn writes),
/// restarts from the durable disk, and partitions (symmetric, one-way, flapping, leader
/// isolation). Every choice is drawn from the run's generator.
extension Simulation {

    func injectFaults() throws {
        for n in started where !n.stopped {
            if n.isUp {
                if rng.chance(options.crashRate) { crash(n, duringWrite: false) }
            } else if let at = n.restartAt, at <= now {
                try restart(n)
            }
        }
        try updatePartition()
    }

    func crash(_ n: SimNode, duringWrite: Bool) {
        n.raw = nil
        n.role = .follower
        n.leader = .none
        n.syncDueAt = nil
        crashes += 1
        let (lost, torn) = n.disk.crash(rng: &rng, tornWrites: options.tornWrites)
        n.restartAt = faultsOn ? now + rng.int(in: 1...options.restartAfterMax) : nil
        trace.record(now, .crash, n.id.rawValue, UInt64(lost), torn ? 1 : 0, duringWrite ? 1 : 0,
                     "crash \(n.id)\(duringWrite ? " during write" : ""): lost \(lost) unsynced writes\(torn ? ", last kept write torn" : "")")
    }

    func restart(_ n: SimNode) throws {
        n.restartAt = nil
        n.storage = try n.disk.recover()
        let hs = n.storage.hardState
        try checker.monotonic(node: n.id, what: "restart from disk", oldTerm: n.durableTerm,
                              newTerm: hs.term.rawValue, oldCommit: n.durableCommit, newCommit: hs.commit.rawValue)
        n.durableTerm = hs.term.rawValue
        n.durableCommit = hs.commit.rawValue
        n.sm = try SimStateMachine(snapshotData: n.storage.snapshotData)
        precondition(n.sm.applied == n.storage.snapshotMeta.index.rawValue, "snapshot payload and metadata disagree")
        n.confState = n.storage.snapshotMeta.confState
        n.removedPeers = []
        n.term = hs.term.rawValue
        n.commit = hs.commit.rawValue
        n.incarnation += 1
        n.raw = try makeRaw(n)
        trace.record(now, .restart, n.id.rawValue, hs.term.rawValue, hs.commit.rawValue, n.storage.lastIndexValue,
                     "restart \(n.id): term \(hs.term) vote \(hs.vote) commit \(hs.commit) log \(n.storage.firstIndex())...\(n.storage.lastIndex())")
        try drive(n)
    }

    func updatePartition() throws {
        if var p = partition {
            if now >= p.until {
                network.healAll()
                partition = nil
                trace.record(now, .heal, 0, 0, 0, 0, "heal partition")
                return
            }
            if p.flapping && now >= p.nextFlip {
                p.isCut.toggle()
                p.nextFlip = now + rng.int(in: 2...8)
                applyCuts(p)
                trace.record(now, .partition, p.isCut ? 1 : 0, 0, 0, 0, p.isCut ? "flap: cut" : "flap: healed")
            }
            partition = p
            return
        }
        guard rng.chance(options.partitionRate) else { return }
        var ids = started.filter { !$0.stopped }.map(\.id)
        guard ids.count >= 2 else { return }
        shuffle(&ids)
        let k = rng.int(in: 1...(ids.count - 1))
        let p = Partition(
            sideA: Array(ids[..<k]).sorted(), sideB: Array(ids[k...]).sorted(),
            oneWay: options.oneWay && rng.chance(0.5),
            until: now + rng.int(in: 1...options.partitionTicks),
            flapping: options.flapping && rng.chance(0.5), nextFlip: now + rng.int(in: 2...8), isCut: true)
        partition = p
        applyCuts(p)
        trace.record(now, .partition, UInt64(k), p.oneWay ? 1 : 0, p.flapping ? 1 : 0, UInt64(p.until),
                     "partition \(p.sideA) \(p.oneWay ? "-/->" : "<-/->") \(p.sideB) until t=\(p.until)\(p.flapping ? " flapping" : "")")
    }

    /// Cuts `leader` off from every other server, replacing any partition in force.
    func isolate(_ leader: SimNode) {
        let others = started.filter { !$0.stopped && $0.id != leader.id }.map(\.id)
        guard !others.isEmpty else { return }
        let p = Partition(sideA: [leader.id], sideB: others, oneWay: false,
                          until: now + rng.int(in: 1...options.partitionTicks), flapping: false,
                          nextFlip: now, isCut: true)
        partition = p
        applyCuts(p)
        trace.record(now, .partition, 1, 0, 0, UInt64(p.until), "isolate leader \(leader.id) until t=\(p.until)")
    }

    func applyCuts(_ p: Partition) {
        network.healAll()
        guard p.isCut else { return }
        for a in p.sideA {
            for b in p.sideB {
                network.cutLink(from: a, to: b)
                if !p.oneWay { network.cutLink(from: b, to: a) }
            }
        }
    }

    func shuffle<T>(_ a: inout [T]) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, rng.below(i + 1))
        }
    }
}
