// §5.2 Leader election.

import Raft
import Testing

@Suite("§5.2 leader election")
struct ElectionTests {
    @Test("a candidate with votes from a majority becomes leader of its term")
    func electsLeader() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        #expect(c.leaders == [1])
        #expect(c.term(1) == 1)
        for id in [NodeID(2), 3] {
            #expect(c.status(id).softState.leader == 1)
            #expect(c.status(id).hardState.vote == 1)
        }
    }

    @Test("a candidate cut off from the majority does not become leader")
    func minorityCandidateLoses() throws {
        let c = try Cluster(voters: 5)
        c.cut(1, 2)
        c.cut(1, 3)
        c.cut(1, 4)
        try c.elect(1)
        #expect(c.role(1) == .candidate)
        #expect(c.leaders.isEmpty)
    }

    @Test("each node grants at most one vote per term")
    func oneVotePerTerm() throws {
        let c = try Cluster(voters: 3)
        try c.node(1).campaign()
        try c.node(2).campaign()
        c.processReady(1)
        c.processReady(2)
        // 3 sees 1's request first and votes for it; 2's request in the same term is refused.
        let toThree = c.network.filter { $0.to == 3 }
        #expect(toThree.map(\.from) == [1, 2])
        c.deliver { $0.to == 3 }
        let rd = c.processReady(3)!
        let responses = rd.messages.filter { $0.type == .voteResponse }
        #expect(responses.count == 2)
        #expect(responses.first { $0.to == 1 }?.reject == false)
        #expect(responses.first { $0.to == 2 }?.reject == true)
        #expect(rd.hardState?.vote == 1)
    }

    @Test("the vote is in the Ready's hard state together with the vote response")
    func voteIsPersistedWithResponse() throws {
        let c = try Cluster(voters: 3)
        try c.node(1).campaign()
        c.processReady(1)
        c.deliver { $0.to == 2 }
        let rd = c.node(2).ready()
        #expect(rd.messages.contains { $0.type == .voteResponse && !$0.reject })
        #expect(rd.hardState?.vote == 1)
        #expect(rd.mustSync)
    }

    @Test("election timeouts are randomized within [electionTicks, 2*electionTicks)", arguments: [UInt64(1), 7, 99])
    func randomizedTimeout(seed: UInt64) throws {
        var seen = Set<Int>()
        for id in UInt64(1)...20 {
            var cfg = RaftConfig(id: NodeID(id))
            cfg.randomSeed = seed
            let storage = MemoryStorage(confState: ConfState(voters: [NodeID(id), NodeID(id + 100)]))
            let node = try RawNode(config: cfg, storage: storage)
            var ticks = 0
            while node.status().softState.role == .follower && ticks < 100 {
                node.tick()
                ticks += 1
            }
            #expect(node.status().softState.role == .candidate)
            #expect(ticks >= 10 && ticks < 20)
            seen.insert(ticks)
        }
        // Different nodes draw different timeouts (split votes resolve).
        #expect(seen.count > 3)
    }

    @Test("the same seed gives the same timeouts")
    func deterministicTimeouts() throws {
        func firstCampaignTick(seed: UInt64) throws -> Int {
            var cfg = RaftConfig(id: 3)
            cfg.randomSeed = seed
            let node = try RawNode(config: cfg, storage: MemoryStorage(confState: ConfState(voters: [1, 2, 3])))
            for t in 1...100 {
                node.tick()
                if node.status().softState.role != .follower { return t }
            }
            return -1
        }
        #expect(try firstCampaignTick(seed: 5) == firstCampaignTick(seed: 5))
    }

    @Test("split votes are resolved by randomized timeouts: ticking elects exactly one leader")
    func ticksElectOneLeader() throws {
        let c = try Cluster(voters: 5)
        #expect(c.tickUntil { !c.leaders.isEmpty })
        #expect(c.leaders.count == 1)
        let leader = c.leaders[0]
        let term = c.term(leader)
        for id in c.ids { #expect(c.term(id) == term) }
    }

    @Test("a follower that stops hearing from the leader starts a new election")
    func followerTimesOut() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(1)
        #expect(c.tickUntil { c.leaders.contains { $0 != 1 } })
        let newLeader = c.leaders.first { $0 != 1 }!
        #expect(c.term(newLeader) > 1)
        c.heal()
        #expect(c.tickUntil { c.role(1) == .follower })
        #expect(c.leaders == [newLeader])
    }

    @Test("§5.4.1 a candidate whose log is less up-to-date is refused")
    func electionRestriction() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(3)
        try c.propose(1, "x")
        c.stabilize()
        c.heal()
        // 3 missed index 2; 1 and 2 refuse it.
        try c.elect(3)
        #expect(c.role(3) != .leader)
        #expect(c.tickUntil { !c.leaders.isEmpty })
        #expect(c.leaders != [3])
    }

    @Test("a single voter elects itself at once")
    func singleNode() throws {
        let c = try Cluster(voters: 1)
        try c.elect(1)
        #expect(c.leaders == [1])
        try c.propose(1, "solo")
        c.stabilize()
        #expect(c.appliedStrings(1) == ["solo"])
    }

    @Test("a node restarted from storage keeps its term and vote")
    func restartKeepsHardState() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.restart(2)
        #expect(c.term(2) == 1)
        #expect(c.status(2).hardState.vote == 1)
        #expect(c.role(2) == .follower)
    }
}
