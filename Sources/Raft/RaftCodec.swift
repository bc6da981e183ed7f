// Binary encoding of Raft's values for the WAL, the peer transport and the simulator's disk.
// Each top-level value starts with a one-byte tag so a buffer of the wrong kind is rejected.
// Integers are fixed-width little-endian; byte strings and lists are u32-length-prefixed.

public enum RaftCodec {
    static let entryTag: UInt8 = 0xE1
    static let hardStateTag: UInt8 = 0xE2
    static let confStateTag: UInt8 = 0xE3
    static let snapshotMetadataTag: UInt8 = 0xE4
    static let messageTag: UInt8 = 0xE5
    static let confChangeTag: UInt8 = 0xE6
    static let snapshotTag: UInt8 = 0xE7

    /// Context of vote requests (and timeoutNow) that belong to a leadership transfer: such a
    /// campaign may disturb a live leader (it was asked to).
    public static let campaignTransferContext: [UInt8] = Array("CampaignTransfer".utf8)

    // MARK: Entry
    public static func encode(_ e: Entry) -> [UInt8] {
        var w = ByteWriter()
        w.u8(entryTag)
        write(e, to: &w)
        return w.buffer
    }
    public static func decodeEntry(_ bytes: [UInt8]) throws -> Entry {
        var r = ByteReader(bytes)
        try r.expectTag(entryTag)
        let e = try readEntry(&r)
        try r.expectEnd()
        return e
    }
    static func write(_ e: Entry, to w: inout ByteWriter) {
        w.u64(e.term.rawValue)
        w.u64(e.index.rawValue)
        w.u8(e.type.rawValue)
        w.bytes(e.data)
    }
    static func readEntry(_ r: inout ByteReader) throws -> Entry {
        let term = Term(try r.u64())
        let index = LogIndex(try r.u64())
        guard let type = EntryType(rawValue: try r.u8()) else { throw RaftCodecError.invalidValue("entry type") }
        return Entry(term: term, index: index, type: type, data: try r.bytes())
    }

    // MARK: HardState
    public static func encode(_ hs: HardState) -> [UInt8] {
        var w = ByteWriter()
        w.u8(hardStateTag)
        w.u64(hs.term.rawValue)
        w.u64(hs.vote.rawValue)
        w.u64(hs.commit.rawValue)
        return w.buffer
    }
    public static func decodeHardState(_ bytes: [UInt8]) throws -> HardState {
        var r = ByteReader(bytes)
        try r.expectTag(hardStateTag)
        let hs = HardState(term: Term(try r.u64()), vote: NodeID(try r.u64()), commit: LogIndex(try r.u64()))
        try r.expectEnd()
        return hs
    }

    // MARK: ConfState
    public static func encode(_ cs: ConfState) -> [UInt8] {
        var w = ByteWriter()
        w.u8(confStateTag)
        write(cs, to: &w)
        return w.buffer
    }
    public static func decodeConfState(_ bytes: [UInt8]) throws -> ConfState {
        var r = ByteReader(bytes)
        try r.expectTag(confStateTag)
        let cs = try readConfState(&r)
        try r.expectEnd()
        return cs
    }
    static func write(_ cs: ConfState, to w: inout ByteWriter) {
        w.ids(cs.voters)
        w.ids(cs.learners)
        w.ids(cs.votersOutgoing)
        w.ids(cs.learnersNext)
        w.bool(cs.autoLeave)
    }
    static func readConfState(_ r: inout ByteReader) throws -> ConfState {
        ConfState(voters: try r.ids(), learners: try r.ids(), votersOutgoing: try r.ids(),
                  learnersNext: try r.ids(), autoLeave: try r.bool())
    }

    // MARK: SnapshotMetadata
    public static func encode(_ md: SnapshotMetadata) -> [UInt8] {
        var w = ByteWriter()
        w.u8(snapshotMetadataTag)
        write(md, to: &w)
        return w.buffer
    }
    public static func decodeSnapshotMetadata(_ bytes: [UInt8]) throws -> SnapshotMetadata {
        var r = ByteReader(bytes)
        try r.expectTag(snapshotMetadataTag)
        let md = try readMetadata(&r)
        try r.expectEnd()
        return md
    }
    static func write(_ md: SnapshotMetadata, to w: inout ByteWriter) {
        write(md.confState, to: &w)
        w.u64(md.index.rawValue)
        w.u64(md.term.rawValue)
    }
    static func readMetadata(_ r: inout ByteReader) throws -> SnapshotMetadata {
        SnapshotMetadata(confState: try readConfState(&r), index: LogIndex(try r.u64()), term: Term(try r.u64()))
    }

    // MARK: Snapshot
    public static func encode(_ s: Snapshot) -> [UInt8] {
        var w = ByteWriter()
        w.u8(snapshotTag)
        write(s, to: &w)
        return w.buffer
    }
    public static func decodeSnapshot(_ bytes: [UInt8]) throws -> Snapshot {
        var r = ByteReader(bytes)
        try r.expectTag(snapshotTag)
        let s = try readSnapshot(&r)
        try r.expectEnd()
        return s
    }
    static func write(_ s: Snapshot, to w: inout ByteWriter) {
        write(s.metadata, to: &w)
        w.bytes(s.data)
    }
    static func readSnapshot(_ r: inout ByteReader) throws -> Snapshot {
        let md = try readMetadata(&r)
        return Snapshot(data: try r.bytes(), metadata: md)
    }

    // MARK: Message
    public static func encode(_ m: Message) -> [UInt8] {
        var w = ByteWriter()
        w.u8(messageTag)
        w.u8(m.type.rawValue)
        w.u64(m.to.rawValue)
        w.u64(m.from.rawValue)
        w.u64(m.term.rawValue)
        w.u64(m.logTerm.rawValue)
        w.u64(m.index.rawValue)
        w.u32(UInt32(m.entries.count))
        for e in m.entries { write(e, to: &w) }
        w.u64(m.commit.rawValue)
        if let s = m.snapshot {
            w.bool(true)
            write(s, to: &w)
        } else {
            w.bool(false)
        }
        w.bool(m.reject)
        w.u64(m.rejectHint.rawValue)
        w.bytes(m.context)
        return w.buffer
    }
    public static func decodeMessage(_ bytes: [UInt8]) throws -> Message {
        var r = ByteReader(bytes)
        try r.expectTag(messageTag)
        guard let type = MessageType(rawValue: try r.u8()) else { throw RaftCodecError.invalidValue("message type") }
        var m = Message(type: type)
        m.to = NodeID(try r.u64())
        m.from = NodeID(try r.u64())
        m.term = Term(try r.u64())
        m.logTerm = Term(try r.u64())
        m.index = LogIndex(try r.u64())
        let n = try r.count(minElementSize: 21)
        m.entries.reserveCapacity(n)
        for _ in 0..<n { m.entries.append(try readEntry(&r)) }
        m.commit = LogIndex(try r.u64())
        if try r.bool() { m.snapshot = try readSnapshot(&r) }
        m.reject = try r.bool()
        m.rejectHint = LogIndex(try r.u64())
        m.context = try r.bytes()
        try r.expectEnd()
        return m
    }
}
