// Applying while a Ready is being persisted: `takeDurableCommitted` hands out committed entries
// that this node already holds durably, each once and in order, never one of the Ready still
// being written.

import Raft
import Testing

@Suite("Durable committed entries")
struct DurableCommittedTests {
    private func data(_ entries: [Entry]) -> [[UInt8]] { entries.filter { !$0.data.isEmpty }.map(\.data) }

    @Test("an entry committed while a later Ready is being persisted is handed out at once, and only once")
    func committedDuringPersist() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.stabilize()
        try c.propose(1, "a")
        c.processReady(1)  // "a" durable on the leader, appends sent
        c.deliver { $0.to != 1 }
        c.processReady(2)
        c.processReady(3)
        try c.propose(1, "b")
        let inFlight = c.node(1).ready()  // "b" being persisted: not durable yet
        #expect(data(inFlight.entries) == [Array("b".utf8)])
        #expect(c.node(1).takeDurableCommitted().isEmpty)  // "a" is not committed yet
        c.network.append(contentsOf: inFlight.messages)
        c.deliver { $0.to == 1 }  // the followers' acks for "a" commit it

        let early = c.node(1).takeDurableCommitted()
        #expect(data(early) == [Array("a".utf8)])
        #expect(c.node(1).takeDurableCommitted().isEmpty)
        c.node(1).appliedTo(early.last!.index)

        // The followers' acks commit "b" too, but it is not durable on the leader yet.
        c.deliver { $0.to != 1 }
        c.processReady(2)
        c.processReady(3)
        c.deliver { $0.to == 1 }
        #expect(c.node(1).takeDurableCommitted().isEmpty)

        try c.members[1]!.storage.append(inFlight.entries)
        if let hs = inFlight.hardState { c.members[1]!.storage.setHardState(hs) }
        c.node(1).advance(inFlight)
        let next = c.node(1).ready()
        #expect(data(next.committedEntries) == [Array("b".utf8)])  // not "a" again
    }

    @Test("entries a Ready hands out are not handed out again before it is advanced")
    func readyEntriesNotTakenTwice() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.stabilize()
        try c.propose(1, "x")
        c.processReady(1)
        c.deliver { $0.to != 1 }
        c.processReady(2)
        c.processReady(3)
        c.deliver { $0.to == 1 }
        let rd = c.node(1).ready()
        #expect(data(rd.committedEntries) == [Array("x".utf8)])
        #expect(c.node(1).takeDurableCommitted().isEmpty)
        #expect(!c.node(1).hasReady() || c.node(1).ready().committedEntries.isEmpty)
    }

    @Test("a follower does not hand out committed entries of the Ready it is persisting")
    func followerWaitsForItsOwnWrite() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        c.stabilize()
        try c.propose(1, "y")
        c.processReady(1)
        var toTwo = try #require(c.network.first { $0.to == 2 && $0.type == .append })
        c.network.removeAll { $0.to == 2 }
        c.deliver { $0.to == 3 }
        c.processReady(3)
        c.deliver { $0.to == 1 }
        c.processReady(1)  // "y" committed by the leader and follower 3
        c.network.removeAll { $0.to == 2 }
        let y = try #require(toTwo.entries.last)
        toTwo.commit = y.index  // "y" and its commit reach follower 2 together
        try c.node(2).step(toTwo)
        let rd = c.node(2).ready()
        #expect(data(rd.entries) == [Array("y".utf8)])
        #expect(data(rd.committedEntries) == [Array("y".utf8)])
        // Committed, but not durable on follower 2 until this Ready is persisted.
        #expect(c.node(2).persistedIndex < y.index)
        #expect(c.node(2).takeDurableCommitted().isEmpty)
    }
}
