// Each canary reintroduces a real bug; these tests show a concrete safety violation it causes,
// so a checker looking for that violation has something to catch.

import Raft
import Testing

@Suite("canaries")
struct CanaryTests {
    @Test("commitEarlierTermByCounting: figure 8 ends with two different entries committed at one index")
    func commitEarlierTerm() throws {
        let (c, xIndex) = try figure8(canary: .commitEarlierTermByCounting)
        // S1 counted replicas of its term-1 entry and committed (and applied) it.
        #expect(c.commit(1) >= xIndex)
        #expect(c.appliedStrings(1) == ["x"])
        // S5 (which never had x) is then elected and commits its own entry at the same index.
        c.dropRule = nil
        c.heal()
        c.isolate(1)
        try c.restart(5)  // S5 comes back from its crash as a follower
        for _ in 0..<6 where c.role(5) != .leader { try c.elect(5) }
        #expect(c.role(5) == .leader)
        try c.propose(5, "y")
        c.stabilize()
        #expect(c.commit(5) >= xIndex)
        // State machine safety violated: the entry at xIndex was applied as x on S1, as z on S5.
        #expect(c.appliedStrings(5).first == "z")
    }

    @Test("keepConflictingSuffix: a follower commits and applies entries the leader never had")
    func keepConflictingSuffix() throws {
        let c = try Cluster(voters: 3) { $0.canary = .keepConflictingSuffix }
        try c.elect(1)
        c.isolate(1)
        for s in ["x1", "x2"] { try c.propose(1, s) }
        c.stabilize()
        c.heal()
        c.isolate(1)
        try c.elect(2)
        for s in ["y1", "y2", "y3"] { try c.propose(2, s) }
        c.stabilize()
        c.heal()
        _ = c.tickUntil(maxTicks: 30) { false }
        c.stabilize()
        // Log matching is broken: 1 kept its term-1 entries under the leader's commit index.
        #expect(c.log(1).map(\.term) != c.log(2).map(\.term))
        #expect(c.appliedStrings(1) != c.appliedStrings(2))
    }

    @Test("readIndexWithoutQuorum: a deposed leader serves a stale read")
    func readIndexWithoutQuorum() throws {
        let c = try Cluster(voters: 3) { $0.canary = .readIndexWithoutQuorum }
        try c.elect(1)
        c.isolate(1)
        try c.elect(2)
        try c.propose(2, "newer")
        c.stabilize()
        c.node(1).readIndex(context: [1])
        c.stabilize()
        // 1 answered with its old commit index although index 3 was committed meanwhile.
        let rs = c.members[1]!.readStates
        #expect(rs.count == 1)
        #expect(rs.first.map { $0.index < c.commit(2) } == true)
    }

    @Test("removedNodeCountsInQuorum: a stale node wins an election with a removed node's vote")
    func removedNodeCounts() throws {
        let c = try Cluster(voters: 4) { $0.canary = .removedNodeCountsInQuorum }
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 4))
        c.stabilize()
        #expect(c.config(3).voters == [1, 2, 3])
        // 3 misses an entry committed by 1 and 2 (a majority of {1, 2, 3}).
        c.isolate(3)
        try c.propose(1, "committed")
        c.stabilize()
        #expect(c.appliedStrings(2) == ["committed"])
        // 1 and 2 are cut off; 3 campaigns and the removed node 4 (which the leader stopped
        // replicating to) grants its vote: 3 + 4 count as "a majority of three".
        c.heal()
        c.isolate(1)
        c.isolate(2)
        try c.elect(3)
        #expect(c.role(3) == .leader)
        // Leader completeness is violated: the new leader lacks a committed entry.
        #expect(!c.log(3).contains { $0.data == Array("committed".utf8) })
    }

    @Test("without the canary the same stale node cannot win")
    func removedNodeControl() throws {
        let c = try Cluster(voters: 4)
        try c.elect(1)
        try c.proposeConfChange(1, ConfChange(.removeNode, 4))
        c.stabilize()
        c.isolate(3)
        try c.propose(1, "committed")
        c.stabilize()
        c.heal()
        c.isolate(1)
        c.isolate(2)
        try c.elect(3)
        #expect(c.role(3) != .leader)
    }
}
