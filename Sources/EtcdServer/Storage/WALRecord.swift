/// One opaque record of the write-ahead log. The WAL never looks inside `payload`; `type`
/// lets the caller tell its record kinds apart (entries, hard state, snapshot markers...).
public struct WALRecord: Sendable, Equatable {
    public var type: UInt8
    public var payload: [UInt8]

    public init(type: UInt8, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}

/// The on-disk frame of a record:
///
///     [length u32 LE][type u8][crc32c u32 LE][payload][zero padding to a multiple of 8]
///
/// `length` counts the type byte plus the payload, so it is never zero for a real record: a
/// zero length is the zero-filled, preallocated space after the last record. The checksum
/// covers the length field, the type and the payload, so a torn or overwritten frame (of any
/// of its parts) never passes as valid. Records are self-checking (no chain through the
/// previous record) so a reader can look for valid data beyond a bad frame and tell a torn
/// tail from corruption in the middle.
enum WALFrame {
    static let headerBytes = 9
    static let alignment = 8
    /// A bound on one record; a length field above it is garbage, not a record.
    static let maxPayloadBytes = 256 << 20

    static func frameBytes(payloadCount: Int) -> Int {
        let raw = headerBytes + payloadCount
        return (raw + alignment - 1) / alignment * alignment
    }

    static func checksum(length: UInt32, type: UInt8, payload: UnsafeRawBufferPointer) -> UInt32 {
        var header: (UInt32, UInt8) = (length.littleEndian, type)
        var crc = CRC32Castagnoli()
        withUnsafeBytes(of: &header) { crc.update(UnsafeRawBufferPointer(rebasing: $0[0..<5])) }
        crc.update(payload)
        return crc.value
    }

    /// Appends the frame of `record` to `buffer`.
    static func encode(_ record: WALRecord, into buffer: inout [UInt8]) {
        precondition(record.payload.count <= maxPayloadBytes, "wal: record of \(record.payload.count) bytes exceeds the limit")
        let length = UInt32(record.payload.count + 1)
        let crc = record.payload.withUnsafeBytes { checksum(length: length, type: record.type, payload: $0) }
        appendLE(length, to: &buffer)
        buffer.append(record.type)
        appendLE(crc, to: &buffer)
        buffer.append(contentsOf: record.payload)
        let padding = frameBytes(payloadCount: record.payload.count) - headerBytes - record.payload.count
        buffer.append(contentsOf: repeatElement(0, count: padding))
    }

    private static func appendLE(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    enum Decoded {
        case record(WALRecord, frameBytes: Int)
        /// A zero length field: the preallocated zeros after the last record.
        case end
        /// A frame that runs past `bytes` or fails its checksum.
        case invalid(reason: String)
    }

    /// Decodes the frame at `offset` (a multiple of 8) of `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Decoded {
        guard bytes.count - offset >= headerBytes else {
            return allZero(bytes, from: offset) ? .end : .invalid(reason: "truncated record header")
        }
        let length = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        if length == 0 { return .end }
        let payloadCount = Int(length) - 1
        guard payloadCount <= maxPayloadBytes else { return .invalid(reason: "record length \(length) too large") }
        // The writer emits header, payload and padding in one write(2): a frame cut short
        // anywhere, padding included, was never acknowledged.
        guard offset + frameBytes(payloadCount: payloadCount) <= bytes.count else {
            return .invalid(reason: "record of \(payloadCount) bytes runs past the end of the file")
        }
        let type = bytes[offset + 4]
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 5, as: UInt32.self))
        let start = offset + headerBytes
        let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + payloadCount)])
        guard checksum(length: length, type: type, payload: payload) == stored else {
            return .invalid(reason: "crc mismatch")
        }
        return .record(WALRecord(type: type, payload: Array(payload)), frameBytes: frameBytes(payloadCount: payloadCount))
    }

    static func allZero(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
        var i = offset
        while i + 8 <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0 { return false }
            i += 8
        }
        while i < bytes.count {
            if bytes[i] != 0 { return false }
            i += 1
        }
        return true
    }

    /// The first aligned offset at or after `offset` holding a valid frame, if any: used to
    /// decide whether an invalid frame is the torn end of the log or damage in its middle.
    static func nextValidFrame(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var candidate = offset
        while candidate + headerBytes <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: candidate, as: UInt32.self) != 0,
               case .record = decode(bytes, at: candidate) {
                return candidate
            }
            candidate += alignment
        }
        return nil
    }
}
