// Pre-vote, check-quorum, leadership transfer, snapshots and flow-control reports.

import Raft
import Testing

@Suite("pre-vote and check-quorum")
struct PreVoteCheckQuorumTests {
    @Test("with pre-vote a partitioned node does not raise its term")
    func preVoteKeepsTerm() throws {
        let c = try Cluster(voters: 3) { $0.preVote = true }
        try c.elect(1)
        c.isolate(3)
        c.tick(3, 100)
        c.stabilize()
        #expect(c.term(3) == 1)
        #expect(c.role(3) == .preCandidate)
        c.heal()
        _ = c.tickUntil(maxTicks: 5) { false }
        #expect(c.leaders == [1])
        #expect(c.term(1) == 1)
    }

    @Test("without pre-vote the same partitioned node disrupts the leader when it returns")
    func withoutPreVoteDisrupts() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(3)
        c.tick(3, 100)
        c.stabilize()
        #expect(c.term(3) > 1)
        c.heal()
        #expect(c.tickUntil { c.leaders.count == 1 && c.term(c.leaders[0]) > 1 })
    }

    @Test("check-quorum: a leader without a quorum steps down within two election timeouts")
    func checkQuorumStepsDown() throws {
        let c = try Cluster(voters: 3) { $0.checkQuorum = true }
        try c.elect(1)
        c.isolate(1)
        c.tick(1, 20)
        #expect(c.role(1) == .follower)
    }

    @Test("check-quorum lease: followers hearing from the leader ignore a disruptive vote request")
    func leaseIgnoresVote() throws {
        let c = try Cluster(voters: 3) { $0.checkQuorum = true }
        try c.elect(1)
        try c.node(3).campaign()
        c.stabilize()
        #expect(c.leaders == [1])
        #expect(c.term(2) == 1)
    }
}

@Suite("leadership transfer")
struct LeaderTransferTests {
    @Test("transfer to an up-to-date follower")
    func transfer() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.node(1).transferLeadership(to: 2)
        c.stabilize()
        #expect(c.leaders == [2])
        #expect(c.term(2) == 2)
    }

    @Test("transfer requested on a follower is forwarded to the leader")
    func forwardedTransfer() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.node(3).transferLeadership(to: 3)
        c.stabilize()
        #expect(c.leaders == [3])
    }

    @Test("transfer works with pre-vote and check-quorum (TimeoutNow overrides the lease)")
    func transferWithLease() throws {
        let c = try Cluster(voters: 3) { $0.preVote = true; $0.checkQuorum = true }
        try c.elect(1)
        c.node(1).transferLeadership(to: 3)
        c.stabilize()
        #expect(c.leaders == [3])
    }

    @Test("a transfer that does not finish within an election timeout is aborted")
    func transferAborts() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(3)
        c.node(1).transferLeadership(to: 3)
        #expect(c.status(1).leadTransferee == 3)
        #expect(throws: RaftError.proposalDropped) { try c.propose(1, "x") }
        c.tick(1, 10)
        #expect(c.status(1).leadTransferee == .none)
        try c.propose(1, "x")
    }
}

@Suite("snapshots and reports")
struct SnapshotTests {
    @Test("a follower behind the leader's compaction point receives and installs a snapshot")
    func snapshotCatchUp() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(3)
        for s in ["a", "b", "c"] { try c.propose(1, s) }
        c.stabilize()
        try c.compact(1)
        c.heal()
        var sawSnapshot = false
        for _ in 0..<20 {
            c.tickAll()
            for id in c.ids { c.processReady(id) }
            sawSnapshot = sawSnapshot || c.network.contains { $0.type == .snapshot && $0.to == 3 }
            c.deliver()
        }
        c.stabilize()
        #expect(sawSnapshot)
        #expect(c.members[3]!.appliedIndex == 4)
        #expect(try c.members[3]!.storage.snapshot().metadata.index == 4)
        try c.propose(1, "d")
        c.stabilize()
        #expect(c.appliedStrings(3) == ["snap@4", "d"])
    }

    @Test("a failed snapshot is retried after reportSnapshot(failed: true)")
    func snapshotFailure() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(3)
        try c.propose(1, "a")
        c.stabilize()
        try c.compact(1)
        c.heal()
        // Lose every snapshot message once.
        c.dropRule = { $0.type == .snapshot }
        c.tick(1)
        c.stabilize()
        #expect(c.status(1).progress[3]?.state == .snapshot)
        c.node(1).reportSnapshot(3, failed: true)
        #expect(c.status(1).progress[3]?.state == .probe)
        c.dropRule = nil
        #expect(c.tickUntil { c.members[3]!.appliedIndex == 2 })
    }

    @Test("reportUnreachable moves a replicating follower back to probing")
    func unreachable() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        #expect(c.status(1).progress[2]?.state == .replicate)
        c.node(1).reportUnreachable(2)
        #expect(c.status(1).progress[2]?.state == .probe)
        try c.propose(1, "x")
        c.stabilize()
        #expect(c.status(1).progress[2]?.state == .replicate)
    }
}

@Suite("regressions found by the simulator")
struct SimulatorRegressionTests {
    @Test("a leader removed from a config with one voter left still confirms reads with that voter")
    func removedLeaderReadIndex() throws {
        let c = try Cluster(voters: 2)
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 1))
        c.processReady(1)
        c.deliver()
        c.processReady(2)
        c.deliver()  // 1 learns the removal is committed, has not applied it yet
        c.cut(1, 2)
        try c.propose(1, "extra")  // 2 never gets it, so the hand-over cannot finish
        c.stabilize()
        #expect(c.config(1).voters == [2])
        #expect(c.role(1) == .leader)
        c.node(1).readIndex(context: [1])
        c.stabilize()
        #expect(c.members[1]!.readStates.isEmpty)
    }

    @Test("a learner at a higher term makes the stale leader step down instead of ignoring it")
    func learnerWithHigherTerm() throws {
        let c = Cluster()
        let cs = ConfState(voters: [1, 2], learners: [3])
        for id in [NodeID(1), 2, 3] { try c.add(id, confState: cs) }
        try c.elect(1)
        // 3 hears a vote request from a later term (it cannot vote usefully nor campaign).
        try c.node(3).step(Message(type: .vote, to: 3, from: 2, term: 5, logTerm: 1, index: 1))
        c.stabilize()
        #expect(c.term(3) == 5)
        #expect(c.tickUntil { c.leaders.count == 1 && c.term(c.leaders[0]) > 5 })
        try c.propose(c.leaders[0], "reaches-learner")
        c.stabilize()
        #expect(c.appliedStrings(3) == ["reaches-learner"])
    }
}
