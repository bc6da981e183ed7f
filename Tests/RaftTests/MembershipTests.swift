// §6 Cluster membership changes: single-step changes, joint consensus, learners.

import Raft
import Testing

extension Cluster {
    func proposeConfChange(_ id: NodeID, _ cc: ConfChange) throws { try node(id).proposeConfChange(cc) }
    func config(_ id: NodeID) -> ConfState { status(id).config }
}

@Suite("§6 membership")
struct MembershipTests {
    @Test("adding a voter: it catches up and then counts toward the quorum")
    func addVoter() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.add(4, confState: ConfState(voters: [1, 2, 3]))
        try c.proposeConfChange(1, ConfChange(.addNode, 4))
        c.stabilize()
        for id in c.ids { #expect(c.config(id).voters == [1, 2, 3, 4]) }
        // With 4 voters the quorum is 3: two nodes down blocks commits.
        c.isolate(3)
        c.isolate(4)
        try c.propose(1, "blocked")
        c.stabilize()
        #expect(c.appliedStrings(1).isEmpty)
        c.heal()
        #expect(c.tickUntil { c.appliedStrings(4) == ["blocked"] })
    }

    @Test("removing a follower shrinks the quorum")
    func removeFollower() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 3))
        c.stabilize()
        #expect(c.config(1).voters == [1, 2])
        c.isolate(3)
        try c.propose(1, "two-of-two")
        c.stabilize()
        #expect(c.appliedStrings(2) == ["two-of-two"])
    }

    @Test("removing the leader: it hands leadership to a remaining voter and steps down")
    func removeLeader() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 1))
        c.stabilize()
        #expect(c.role(1) == .follower)
        #expect(c.config(2).voters == [2, 3])
        #expect(c.config(3).voters == [2, 3])
        #expect(c.leaders.count == 1 && c.leaders[0] != 1)
        // The removed node never campaigns again.
        let leader = c.leaders[0]
        c.tick(1, 100)
        c.stabilize()
        #expect(c.leaders == [leader])
        try c.propose(leader, "after")
        c.stabilize()
        #expect(c.appliedStrings(2) == ["after"] && c.appliedStrings(3) == ["after"])
    }

    @Test("a second conf change is refused while one is pending")
    func pendingConfChangeBlocks() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 3))
        try c.proposeConfChange(1, ConfChange(.removeNode, 2))
        c.stabilize()
        #expect(c.config(1).voters == [1, 2])
        // Once applied, the next change is accepted.
        try c.proposeConfChange(1, ConfChange(.removeNode, 2))
        c.stabilize()
        #expect(c.config(1).voters == [1])
    }

    @Test("an invalid change (leaving a joint config that does not exist) leaves the config unchanged")
    func invalidChangeIgnored() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        let cs = c.node(2).applyConfChange(ConfChange())
        #expect(cs.voters == [1, 2, 3])
        // The leader refuses to even propose it: the entry becomes a no-op.
        try c.proposeConfChange(1, ConfChange())
        c.stabilize()
        #expect(c.config(1) == ConfState(voters: [1, 2, 3]))
    }

    @Test("joint consensus: replacing two voters needs majorities of both configurations")
    func jointExplicit() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        for id in [NodeID(4), 5] { try c.add(id, confState: ConfState(voters: [1, 2, 3])) }
        let cc = ConfChange(transition: .jointExplicit, changes: [
            .init(type: .addNode, nodeID: 4), .init(type: .addNode, nodeID: 5),
            .init(type: .removeNode, nodeID: 2), .init(type: .removeNode, nodeID: 3),
        ])
        try c.proposeConfChange(1, cc)
        c.stabilize()
        let joint = c.config(1)
        #expect(joint.voters == [1, 4, 5])
        #expect(joint.votersOutgoing == [1, 2, 3])
        #expect(!joint.autoLeave)
        // Incoming majority alive (1,4,5) but outgoing has only 1: nothing commits.
        c.isolate(2)
        c.isolate(3)
        try c.propose(1, "needs-both")
        c.stabilize()
        #expect(c.appliedStrings(1).isEmpty)
        c.heal()
        #expect(c.tickUntil { c.appliedStrings(1) == ["needs-both"] })
        // Leave explicitly.
        try c.proposeConfChange(1, ConfChange())
        c.stabilize()
        for id in [NodeID(1), 4, 5] {
            #expect(c.config(id).voters == [1, 4, 5])
            #expect(c.config(id).votersOutgoing.isEmpty)
        }
        // Now 2 and 3 are gone: 1, 4, 5 commit alone.
        c.isolate(2)
        c.isolate(3)
        try c.propose(1, "new-config")
        c.stabilize()
        #expect(c.appliedStrings(5) == ["needs-both", "new-config"])
    }

    @Test("joint consensus with auto-leave: the leader leaves the joint config by itself")
    func jointAutoLeave() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.add(4, confState: ConfState(voters: [1, 2, 3]))
        let cc = ConfChange(changes: [.init(type: .addNode, nodeID: 4), .init(type: .removeNode, nodeID: 3)])
        try c.proposeConfChange(1, cc)
        c.stabilize()
        for id in [NodeID(1), 2, 4] {
            #expect(c.config(id).voters == [1, 2, 4])
            #expect(c.config(id).votersOutgoing.isEmpty)
        }
    }

    @Test("a conf change other than leave is refused while joint")
    func noChangeWhileJoint() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(transition: .jointExplicit, changes: [.init(type: .removeNode, nodeID: 3)]))
        c.stabilize()
        #expect(c.config(1).votersOutgoing == [1, 2, 3])
        try c.proposeConfChange(1, ConfChange(.removeNode, 2))
        c.stabilize()
        #expect(c.config(1).voters == [1, 2])
        #expect(c.config(1).votersOutgoing == [1, 2, 3])
    }

    @Test("learners replicate but do not vote or count; promotion makes them voters")
    func learners() throws {
        let c = Cluster()
        let cs = ConfState(voters: [1, 2], learners: [3])
        for id in [NodeID(1), 2, 3] { try c.add(id, confState: cs) }
        try c.elect(1)
        try c.propose(1, "a")
        c.stabilize()
        #expect(c.appliedStrings(3) == ["a"])
        // A learner never campaigns.
        c.tick(3, 100)
        #expect(c.role(3) == .follower)
        // Its ack does not help commit when voter 2 is away.
        c.isolate(2)
        try c.propose(1, "b")
        c.stabilize()
        #expect(c.appliedStrings(1) == ["a"])
        c.heal()
        #expect(c.tickUntil { c.appliedStrings(1) == ["a", "b"] })
        // Promote 3.
        try c.proposeConfChange(1, ConfChange(.addNode, 3))
        c.stabilize()
        #expect(c.config(3).voters == [1, 2, 3])
        #expect(c.config(3).learners.isEmpty)
        c.isolate(2)
        try c.propose(1, "c")
        c.stabilize()
        #expect(c.appliedStrings(1) == ["a", "b", "c"])
    }

    @Test("adding a learner and demoting a voter through joint consensus")
    func demoteViaJoint() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        let cc = ConfChange(transition: .jointExplicit, changes: [.init(type: .addLearnerNode, nodeID: 3)])
        try c.proposeConfChange(1, cc)
        c.stabilize()
        #expect(c.config(1).learnersNext == [3])
        try c.proposeConfChange(1, ConfChange())
        c.stabilize()
        #expect(c.config(1).voters == [1, 2])
        #expect(c.config(1).learners == [3])
    }

    @Test("a new node joining after compaction is caught up with a snapshot carrying the config")
    func joinViaSnapshot() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(1, "early")
        try c.proposeConfChange(1, ConfChange(.addNode, 4))
        c.stabilize()
        try c.compact(1)
        // Node 4 starts with no configuration and no log.
        try c.add(4, confState: ConfState())
        c.tick(1, 2)
        c.stabilize()
        #expect(c.tickUntil { c.members[4]!.appliedIndex >= 3 })
        #expect(c.config(4).voters == [1, 2, 3, 4])
        #expect(c.members[4]!.applied.first.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("snap@") == true)
        try c.propose(1, "later")
        c.stabilize()
        #expect(c.appliedStrings(4).last == "later")
    }
}

@Suite("leader removal edge cases")
struct LeaderRemovalTests {
    @Test("a removed leader whose commit broadcast was lost still lets the last voter take over")
    func removedLeaderTwoNodes() throws {
        let c = try Cluster(voters: 2) { $0.maxInflightMessages = 1 }
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 1))
        // Lose the first round of commit notifications.
        var lost = 0
        c.dropRule = { m in
            if m.from == 1 && m.type == .append && m.commit >= 2 && lost < 2 { lost += 1; return true }
            return false
        }
        #expect(c.tickUntil(maxTicks: 200) { c.leaders == [2] })
        #expect(c.config(2).voters == [2])
        try c.propose(2, "alone")
        c.stabilize()
        #expect(c.appliedStrings(2) == ["alone"])
    }

    @Test("a removed leader refuses new proposals")
    func removedLeaderRefuses() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(3)
        c.cutOneWay(from: 2, to: 1)  // 1 never hears back, so it stays leader after applying
        try c.proposeConfChange(1, ConfChange(.removeNode, 1))
        c.stabilize()
        c.heal()
        c.isolate(1)
        _ = c.tickUntil(maxTicks: 3) { false }
        if c.role(1) == .leader && !c.config(1).voters.contains(1) {
            #expect(throws: RaftError.proposalDropped) { try c.propose(1, "no") }
        }
    }
}
