// §5.3 Log replication.

import Raft
import Testing

@Suite("§5.3 log replication")
struct ReplicationTests {
    @Test("a committed entry is applied by every node in the same order")
    func replicatesAndApplies() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        for s in ["a", "b", "c"] { try c.propose(1, s) }
        c.stabilize()
        for id in c.ids { #expect(c.appliedStrings(id) == ["a", "b", "c"]) }
        for id in c.ids { #expect(c.commit(id) == 4) }
    }

    @Test("followers forward proposals to the leader")
    func forwarding() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(3, "via-follower")
        c.stabilize()
        for id in c.ids { #expect(c.appliedStrings(id) == ["via-follower"]) }
    }

    @Test("with forwarding disabled a follower drops proposals")
    func forwardingDisabled() throws {
        let c = try Cluster(voters: 3) { $0.disableProposalForwarding = true }
        try c.elect(1)
        #expect(throws: RaftError.proposalDropped) { try c.propose(3, "x") }
    }

    @Test("a proposal without a known leader is dropped")
    func noLeader() throws {
        let c = try Cluster(voters: 3)
        #expect(throws: RaftError.proposalDropped) { try c.propose(1, "x") }
    }

    @Test("an entry is committed once a majority stores it, even with a minority down")
    func majorityCommits() throws {
        let c = try Cluster(voters: 5)
        try c.elect(1)
        c.isolate(4)
        c.isolate(5)
        try c.propose(1, "m")
        c.stabilize()
        for id in [NodeID(1), 2, 3] { #expect(c.appliedStrings(id) == ["m"]) }
        #expect(c.appliedStrings(4).isEmpty)
        c.heal()
        #expect(c.tickUntil { c.appliedStrings(4) == ["m"] && c.appliedStrings(5) == ["m"] })
    }

    @Test("without a majority nothing commits")
    func minorityDoesNotCommit() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(1)
        try c.propose(1, "never")
        c.stabilize()
        #expect(c.commit(1) == 1)
        #expect(c.appliedStrings(1).isEmpty)
    }

    @Test("a follower with conflicting entries has them replaced by the leader's")
    func conflictingEntriesReplaced() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(1)
        for s in ["x1", "x2", "x3"] { try c.propose(1, s) }
        c.stabilize()
        c.heal()
        c.isolate(1)
        try c.elect(2)
        for s in ["y1", "y2"] { try c.propose(2, s) }
        c.stabilize()
        c.heal()
        #expect(c.tickUntil { c.appliedStrings(1) == ["y1", "y2"] })
        #expect(c.log(1).map(\.term) == c.log(2).map(\.term))
        #expect(c.log(1).map(\.data) == c.log(2).map(\.data))
    }

    @Test("fast back-off skips a whole conflicting term in one round trip")
    func fastBackoff() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(1)
        // 1 piles up 50 entries of term 1 that never commit.
        for i in 0..<50 { try c.propose(1, "old\(i)") }
        c.stabilize()
        // 2 leads term 2 and appends 50 entries committed with 3; 3 then leads term 3.
        c.heal()
        c.isolate(1)
        try c.elect(2)
        for i in 0..<50 { try c.propose(2, "new\(i)") }
        c.stabilize()
        try c.elect(3)
        c.heal()
        // Count the rejections 1 sends while catching up.
        var rejections = 0
        for _ in 0..<100 {
            c.tickAll()
            for id in c.ids { c.processReady(id) }
            rejections += c.network.filter { $0.type == .appendResponse && $0.reject }.count
            c.deliver()
            if c.appliedStrings(1).count == 50 { break }
        }
        c.stabilize()
        #expect(c.appliedStrings(1) == (0..<50).map { "new\($0)" })
        #expect(rejections <= 2)
    }

    @Test("append messages respect maxSizePerMessage (at least one entry each)")
    func batching() throws {
        let c = try Cluster(voters: 3) { $0.maxSizePerMessage = 100 }
        try c.elect(1)
        c.isolate(3)
        for i in 0..<20 { try c.propose(1, "payload-\(i)-" + String(repeating: "x", count: 40)) }
        c.stabilize()
        c.heal()
        var sizes: [Int] = []
        for _ in 0..<200 {
            c.tickAll()
            for id in c.ids { c.processReady(id) }
            for m in c.network where m.type == .append && m.to == 3 && !m.entries.isEmpty {
                sizes.append(m.entries.count)
                let bytes = m.entries.reduce(0) { $0 + $1.data.count + 24 }
                #expect(m.entries.count == 1 || bytes <= 100)
            }
            c.deliver()
            if c.appliedStrings(3).count == 20 { break }
        }
        #expect(c.appliedStrings(3).count == 20)
        #expect(sizes.count >= 10)
    }

    @Test("in replicate state the leader stops after maxInflightMessages unacknowledged appends")
    func inflightWindow() throws {
        let c = try Cluster(voters: 3) { $0.maxInflightMessages = 3 }
        try c.elect(1)
        // Hold back everything 2 would receive.
        c.cutOneWay(from: 1, to: 2)
        for i in 0..<10 { try c.propose(1, "p\(i)") }
        c.processReady(1)
        let toTwo = c.network.filter { $0.to == 2 && $0.type == .append }
        #expect(toTwo.count == 3)
        #expect(c.status(1).progress[2]?.inflight == 3)
        c.heal()
        c.stabilize()
        #expect(c.tickUntil { c.appliedStrings(2).count == 10 })
    }

    @Test("the leader bounds the bytes of uncommitted entries")
    func uncommittedBound() throws {
        let c = try Cluster(voters: 3) { $0.maxUncommittedEntriesBytes = 100 }
        try c.elect(1)
        c.isolate(1)
        var accepted = 0
        var dropped = 0
        for _ in 0..<10 {
            do {
                try c.propose(1, String(repeating: "z", count: 30))
                accepted += 1
            } catch RaftError.proposalDropped {
                dropped += 1
            }
        }
        #expect(accepted == 3)
        #expect(dropped == 7)
        // Once the entries commit, room frees up again.
        c.heal()
        #expect(c.tickUntil { c.appliedStrings(1).count == 3 })
        try c.propose(1, String(repeating: "z", count: 30))
    }

    @Test("a restarted follower catches up from its durable log")
    func restartCatchesUp() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(1, "before")
        c.stabilize()
        try c.restart(3)
        try c.propose(1, "after")
        c.stabilize()
        #expect(c.tickUntil { c.appliedStrings(3) == ["before", "after"] })
    }
}
