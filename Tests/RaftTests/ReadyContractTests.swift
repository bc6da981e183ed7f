// The Ready/advance contract: what must be persisted, and what the leader counts as its own.

import Raft
import Testing

@Suite("Ready contract")
struct ReadyContractTests {
    @Test("a leader counts its own entries toward commit only after advance confirms them durable")
    func leaderCountsSelfAfterPersist() throws {
        let c = try Cluster(voters: 1)
        try c.elect(1)
        try c.propose(1, "p")
        let rd = c.node(1).ready()
        #expect(rd.entries.map(\.data) == [Array("p".utf8)])
        // Not durable yet: not committed, not counted.
        #expect(rd.committedEntries.isEmpty)
        #expect(c.status(1).progress[1]?.match == 1)
        try c.members[1]!.storage.append(rd.entries)
        c.node(1).advance(rd)
        #expect(c.status(1).progress[1]?.match == 2)
        let next = c.node(1).ready()
        #expect(next.committedEntries.map(\.data) == [Array("p".utf8)])
        #expect(next.hardState?.commit == 2)
        #expect(next.mustSync == false)
    }

    @Test("a follower acknowledges entries only in the Ready that carries them for persistence")
    func followerAckAfterPersist() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(1, "q")
        c.processReady(1)
        c.deliver { $0.to == 2 }
        let rd = c.node(2).ready()
        #expect(rd.mustSync)
        #expect(rd.entries.map(\.data) == [Array("q".utf8)])
        #expect(rd.messages.contains { $0.type == .appendResponse && $0.index == 2 })
    }

    @Test("hasReady is false once everything was handed out and advanced")
    func quiescent() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.stabilize()
        for id in c.ids { #expect(!c.node(id).hasReady()) }
    }

    @Test("a restart with an applied index does not hand out applied entries again")
    func appliedOnRestart() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        try c.propose(1, "once")
        c.stabilize()
        try c.restart(2)
        let rd = c.node(2).ready()
        #expect(rd.committedEntries.isEmpty)
    }

    @Test("invalid configurations are rejected")
    func invalidConfig() {
        var cfg = RaftConfig(id: 1)
        cfg.electionTicks = 1
        #expect(throws: RaftError.self) { try RawNode(config: cfg, storage: MemoryStorage()) }
        #expect(throws: RaftError.self) { try RawNode(config: RaftConfig(id: .none), storage: MemoryStorage()) }
    }
}
