// The binary codec and the in-memory storage.

import Raft
import Testing

@Suite("codec")
struct CodecTests {
    static let snapshot = Snapshot(data: [1, 2, 3], metadata: SnapshotMetadata(
        confState: ConfState(voters: [1, 2], learners: [5], votersOutgoing: [1, 2, 3], learnersNext: [3], autoLeave: true),
        index: 42, term: 7))

    @Test("every value round-trips")
    func roundTrip() throws {
        let e = Entry(term: 3, index: 9, type: .confChange, data: [0, 255, 7])
        #expect(try RaftCodec.decodeEntry(RaftCodec.encode(e)) == e)
        let hs = HardState(term: 4, vote: 2, commit: 11)
        #expect(try RaftCodec.decodeHardState(RaftCodec.encode(hs)) == hs)
        let cs = Self.snapshot.metadata.confState
        #expect(try RaftCodec.decodeConfState(RaftCodec.encode(cs)) == cs)
        #expect(try RaftCodec.decodeSnapshotMetadata(RaftCodec.encode(Self.snapshot.metadata)) == Self.snapshot.metadata)
        let m = Message(type: .append, to: 2, from: 1, term: 5, logTerm: 4, index: 8, entries: [e, e], commit: 7,
                        snapshot: Self.snapshot, reject: true, rejectHint: 3, context: [9, 9])
        #expect(try RaftCodec.decodeMessage(RaftCodec.encode(m)) == m)
        let cc = ConfChange(transition: .jointExplicit, changes: [.init(type: .addLearnerNode, nodeID: 9)], context: [1])
        #expect(try ConfChange(decoding: cc.encoded()) == cc)
    }

    @Test("truncated or mistyped buffers are rejected, never trapped on")
    func corruptInput() {
        let m = RaftCodec.encode(Message(type: .heartbeat, to: 1, from: 2, term: 3, context: [1, 2, 3]))
        for n in 0..<m.count {
            #expect(throws: (any Error).self) { try RaftCodec.decodeMessage(Array(m.prefix(n))) }
        }
        #expect(throws: (any Error).self) { try RaftCodec.decodeEntry(m) }
        #expect(throws: (any Error).self) { try RaftCodec.decodeMessage(m + [0]) }
        // A huge length prefix does not allocate: it fails as truncated.
        var bad = m
        bad[bad.count - 7] = 0xFF
        #expect(throws: (any Error).self) { try RaftCodec.decodeMessage(bad) }
    }
}

@Suite("MemoryStorage")
struct MemoryStorageTests {
    func filled() throws -> MemoryStorage {
        let s = MemoryStorage()
        try s.append((1...5).map { Entry(term: Term($0), index: LogIndex($0), data: [UInt8($0)]) })
        return s
    }

    @Test("append, overwrite a suffix, and read back")
    func appendOverwrite() throws {
        let s = try filled()
        #expect(s.firstIndex() == 1 && s.lastIndex() == 5)
        try s.append([Entry(term: 9, index: 4), Entry(term: 9, index: 5), Entry(term: 9, index: 6)])
        #expect(s.lastIndex() == 6)
        #expect(try s.term(at: 3) == 3 && s.term(at: 4) == 9)
        #expect(try s.entries(from: 2, to: 5, maxBytes: .max).map(\.index) == [2, 3, 4])
    }

    @Test("maxBytes limits entries but returns at least one")
    func sizeLimit() throws {
        let s = try filled()
        #expect(try s.entries(from: 1, to: 6, maxBytes: 0).count == 1)
        #expect(try s.entries(from: 1, to: 6, maxBytes: 50).count == 2)
    }

    @Test("snapshot and compaction")
    func compaction() throws {
        let s = try filled()
        try s.createSnapshot(index: 3, confState: ConfState(voters: [1]), data: [7])
        try s.compact(to: 3)
        #expect(s.firstIndex() == 4 && s.lastIndex() == 5)
        #expect(try s.term(at: 3) == 3)
        #expect(throws: StorageError.compacted) { try s.term(at: 2) }
        #expect(throws: StorageError.compacted) { try s.entries(from: 3, to: 5, maxBytes: .max) }
        #expect(throws: StorageError.unavailable) { try s.term(at: 6) }
        #expect(throws: StorageError.snapshotOutOfDate) { try s.createSnapshot(index: 2, confState: nil, data: []) }
        let snap = Snapshot(data: [1], metadata: SnapshotMetadata(confState: ConfState(voters: [1]), index: 10, term: 4))
        try s.applySnapshot(snap)
        #expect(s.firstIndex() == 11 && s.lastIndex() == 10)
        #expect(try s.term(at: 10) == 4)
        #expect(s.initialState().1 == ConfState(voters: [1]))
    }
}

@Suite("identifiers")
struct IdentifierTests {
    @Test("wrapper types compare and print as their raw values")
    func basics() {
        #expect(NodeID.none.rawValue == 0)
        #expect(LogIndex(3) + 2 == LogIndex(5))
        #expect(LogIndex(3) < LogIndex(4))
        #expect(Term(2) + 1 == Term(3))
        #expect("\(NodeID(7))" == "7")
    }
}
