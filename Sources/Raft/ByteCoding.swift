// Little-endian fixed-width writer/reader used by RaftCodec. Every length read from the input is
// bounded by the bytes that remain, so a corrupt buffer fails with an error instead of trapping
// or allocating without limit.

public enum RaftCodecError: Error, Sendable, Equatable {
    case truncated
    case badTag(expected: UInt8, found: UInt8)
    case invalidValue(String)
    case trailingBytes(Int)
}

struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }
    mutating func u64(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    mutating func bytes(_ b: [UInt8]) {
        u32(UInt32(b.count))
        buffer.append(contentsOf: b)
    }
    mutating func ids(_ ids: [NodeID]) {
        u32(UInt32(ids.count))
        for id in ids { u64(id.rawValue) }
    }
}

struct ByteReader {
    let input: [UInt8]
    var position = 0

    init(_ input: [UInt8]) { self.input = input }

    var remaining: Int { input.count - position }

    mutating func u8() throws -> UInt8 {
        guard remaining >= 1 else { throw RaftCodecError.truncated }
        defer { position += 1 }
        return input[position]
    }
    mutating func u32() throws -> UInt32 {
        guard remaining >= 4 else { throw RaftCodecError.truncated }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(input[position + i]) << UInt32(8 * i) }
        position += 4
        return v
    }
    mutating func u64() throws -> UInt64 {
        guard remaining >= 8 else { throw RaftCodecError.truncated }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(input[position + i]) << UInt64(8 * i) }
        position += 8
        return v
    }
    mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw RaftCodecError.invalidValue("bool")
        }
    }
    /// A count of elements each at least `minElementSize` bytes long.
    mutating func count(minElementSize: Int) throws -> Int {
        let n = Int(try u32())
        guard n <= remaining / max(minElementSize, 1) else { throw RaftCodecError.truncated }
        return n
    }
    mutating func bytes() throws -> [UInt8] {
        let n = try count(minElementSize: 1)
        defer { position += n }
        return Array(input[position..<position + n])
    }
    mutating func ids() throws -> [NodeID] {
        let n = try count(minElementSize: 8)
        var out: [NodeID] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(NodeID(try u64())) }
        return out
    }
    mutating func expectTag(_ tag: UInt8) throws {
        let found = try u8()
        guard found == tag else { throw RaftCodecError.badTag(expected: tag, found: found) }
    }
    func expectEnd() throws {
        guard remaining == 0 else { throw RaftCodecError.trailingBytes(remaining) }
    }
}
