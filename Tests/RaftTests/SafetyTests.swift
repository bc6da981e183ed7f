// §5.4 Safety: the election restriction, the commit rule for earlier terms (figure 8), and
// state-machine safety.

import Raft
import Testing

/// Builds the situation of the paper's figure 8 in a 5-node cluster. At the end S1 leads a later
/// term and holds "x" (an entry of term 1) at index `xIndex`, stored on a majority (S1, S2, S3),
/// while S1's own current-term entry after it is only on S1 and S2. S5 holds a different entry
/// (term 2) at `xIndex`. Without the canary `xIndex` is 2 (index 1 is S1's term-1 no-op); the
/// commitEarlierTermByCounting canary also skips no-ops, so there `xIndex` is 1.
func figure8(canary: RaftCanary? = nil) throws -> (cluster: Cluster, xIndex: LogIndex) {
    let c = try Cluster(voters: 5) {
        $0.maxSizePerMessage = 1  // one entry per append, so replication can be cut between entries
        $0.canary = canary
    }
    let xIndex: LogIndex = canary == .commitEarlierTermByCounting ? 1 : 2
    // (a) S1 leads term 1 and replicates "x" to S2 only.
    try c.elect(1)
    for id in [NodeID(3), 4, 5] { c.cut(1, id) }
    try c.propose(1, "x")
    c.stabilize()
    // (b) S1 crashes; S5 wins term 2 with S3 and S4 and appends "z" only locally.
    c.heal()
    c.isolate(1)
    try c.node(5).campaign()
    c.processReady(5)
    c.deliver()
    for id in [NodeID(2), 3, 4] { c.processReady(id) }
    c.deliver()
    precondition(c.role(5) == .leader)
    c.isolate(5)
    try c.propose(5, "z")
    c.stabilize()
    // (c) S5 crashes; S1 restarts and wins a later term with S2 and S3. It replicates x to S3,
    // but its entries after x never reach S3.
    c.heal()
    try c.restart(1)
    c.isolate(5)
    c.isolate(4)
    // Once S3 holds x, drop every append that would give it more (earlier probes get through so
    // that S3 can reject them and receive x).
    c.dropRule = { [unowned c] m in
        m.from == 1 && m.to == 3 && m.type == .append && m.entries.contains { $0.index > xIndex }
            && c.log(3).count >= Int(xIndex.rawValue)
    }
    for _ in 0..<5 where c.role(1) != .leader { try c.elect(1) }
    precondition(c.role(1) == .leader)
    c.stabilize()
    return (c, xIndex)
}

@Suite("§5.4 safety")
struct SafetyTests {
    @Test("figure 8: an entry of an earlier term is not committed by counting replicas")
    func figure8NoCommit() throws {
        let (c, _) = try figure8()
        #expect(c.log(3).count == 2 && c.log(3)[1].term == 1)
        #expect(c.log(5)[1].term == 2)
        #expect(c.status(1).progress[3]?.match == 2)
        // Index 2 is on S1, S2, S3 — a majority — but it is from term 1: not committed.
        #expect(c.commit(1) == 1)
        #expect(c.appliedStrings(1).isEmpty)
    }

    @Test("figure 8: S5 may then legitimately overwrite index 2, and no node ever applied x")
    func figure8Overwrite() throws {
        let (c, _) = try figure8()
        c.dropRule = nil
        c.heal()
        c.isolate(1)
        try c.restart(5)  // S5 comes back from its crash as a follower
        for _ in 0..<6 where c.role(5) != .leader { try c.elect(5) }
        #expect(c.role(5) == .leader)
        c.stabilize()
        for id in [NodeID(2), 3, 4, 5] {
            #expect(c.log(id)[1].term == 2)
            #expect(!c.appliedStrings(id).contains("x"))
        }
        #expect(!c.appliedStrings(1).contains("x"))
    }

    @Test("figure 8: once an entry of the current term is replicated, earlier ones commit with it")
    func figure8CommitWithCurrentTerm() throws {
        let (c, _) = try figure8()
        c.dropRule = nil
        c.tick(1)
        c.stabilize()
        #expect(c.commit(1) >= 3)
        #expect(c.appliedStrings(1) == ["x"])
        #expect(c.appliedStrings(3) == ["x"])
    }

    @Test("leader completeness: every later leader holds every committed entry")
    func leaderCompleteness() throws {
        let c = try Cluster(voters: 5)
        try c.elect(1)
        var committed: [String] = []
        // Rotate leadership through partitions; whoever leads must have all committed entries.
        for round in 0..<6 {
            let leader = c.leaders[0]
            let data = "r\(round)"
            try c.propose(leader, data)
            c.stabilize()
            committed.append(data)
            let victim = leader
            c.isolate(victim)
            #expect(c.tickUntil { c.leaders.contains { $0 != victim } })
            let next = c.leaders.first { $0 != victim }!
            let logData = Set(c.log(next).map { String(decoding: $0.data, as: UTF8.self) })
            for e in committed { #expect(logData.contains(e)) }
            c.heal()
            #expect(c.tickUntil { c.leaders.count == 1 })
        }
        c.stabilize()
        for id in c.ids { #expect(c.appliedStrings(id) == committed) }
    }

    @Test("state machine safety under repeated partitions: all nodes apply the same sequence")
    func stateMachineSafety() throws {
        let c = try Cluster(voters: 5) { $0.preVote = true; $0.checkQuorum = true }
        try c.elect(1)
        var proposed = 0
        for round in 0..<20 {
            let isolated = NodeID(UInt64(round % 5 + 1))
            c.isolate(isolated)
            for id in c.ids where c.role(id) == .leader {
                try? c.propose(id, "p\(proposed)")
                proposed += 1
            }
            _ = c.tickUntil(maxTicks: 50) { false }
            c.heal()
            _ = c.tickUntil(maxTicks: 50) { c.leaders.count == 1 }
        }
        c.stabilize()
        let reference = c.ids.map { c.appliedStrings($0) }.max { $0.count < $1.count }!
        for id in c.ids {
            let applied = c.appliedStrings(id)
            #expect(Array(reference.prefix(applied.count)) == applied)
        }
        #expect(!reference.isEmpty)
    }
}
