// §8 Client interaction: linearizable read-only queries through ReadIndex.

import Raft
import Testing

@Suite("§8 read-only queries")
struct ReadOnlyTests {
    @Test("safe ReadIndex: the leader answers after a heartbeat quorum acknowledged the context")
    func safeReadIndex() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(1, "a")
        c.stabilize()
        c.node(1).readIndex(context: Array("r1".utf8))
        c.processReady(1)
        // Nothing answered yet: first the heartbeat round.
        #expect(c.members[1]!.readStates.isEmpty)
        #expect(c.network.filter { $0.type == .heartbeat && $0.context == Array("r1".utf8) }.count == 2)
        c.stabilize()
        #expect(c.members[1]!.readStates == [ReadState(index: 2, requestContext: Array("r1".utf8))])
    }

    @Test("a leader that cannot reach a quorum does not answer a read")
    func isolatedLeaderNoRead() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(1)
        c.node(1).readIndex(context: Array("stale".utf8))
        c.stabilize()
        c.tick(1, 5)
        c.stabilize()
        #expect(c.members[1]!.readStates.isEmpty)
    }

    @Test("a follower's read is forwarded to the leader and answered with the leader's commit index")
    func followerRead() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(1, "a")
        try c.propose(1, "b")
        c.stabilize()
        c.node(3).readIndex(context: Array("f".utf8))
        c.stabilize()
        #expect(c.members[3]!.readStates == [ReadState(index: 3, requestContext: Array("f".utf8))])
    }

    @Test("a read before the new leader committed an entry of its term waits for that commit")
    func readWaitsForTermCommit() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.isolate(1)
        try c.node(2).campaign()
        c.processReady(2)
        c.deliver()
        c.processReady(3)
        c.deliver()
        #expect(c.role(2) == .leader)
        // Leader 2 has not committed its no-op yet.
        c.node(2).readIndex(context: Array("early".utf8))
        c.processReady(2)
        #expect(c.members[2]!.readStates.isEmpty)
        c.stabilize()
        #expect(c.members[2]!.readStates == [ReadState(index: 2, requestContext: Array("early".utf8))])
    }

    @Test("lease-based reads are answered at once by the leader")
    func leaseBased() throws {
        let c = try Cluster(voters: 3) {
            $0.checkQuorum = true
            $0.readOnlyOption = .leaseBased
        }
        try c.elect(1)
        c.node(1).readIndex(context: Array("lease".utf8))
        let rd = c.processReady(1)!
        #expect(rd.readStates == [ReadState(index: 1, requestContext: Array("lease".utf8))])
        #expect(!rd.messages.contains { $0.type == .heartbeat })
    }

    @Test("lease-based reads require check-quorum")
    func leaseNeedsCheckQuorum() {
        var cfg = RaftConfig(id: 1)
        cfg.readOnlyOption = .leaseBased
        #expect(throws: RaftError.self) { try RawNode(config: cfg, storage: MemoryStorage()) }
    }

    @Test("a single-voter leader answers reads immediately")
    func singleton() throws {
        let c = try Cluster(voters: 1)
        try c.elect(1)
        c.node(1).readIndex(context: [7])
        c.stabilize()
        #expect(c.members[1]!.readStates == [ReadState(index: 1, requestContext: [7])])
    }
}
