/// gRPC length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, payload.
enum MessageFraming {
    static let prefixBytes = 5

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(payload.count + prefixBytes)
        let length = UInt32(payload.count)
        out.append(0)
        out.append(UInt8(truncatingIfNeeded: length >> 24))
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(contentsOf: payload)
        return out
    }
}

/// Reassembles messages from DATA chunks, which may split or join messages arbitrarily.
struct MessageDeframer {
    let maxMessageBytes: Int
    /// The `grpc-encoding` the peer declared, for the "no decompressor" error.
    var encoding = "identity"
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    var bufferedBytes: Int { buffer.count - readIndex }

    mutating func append(_ bytes: [UInt8]) {
        if readIndex > 0 && readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, nil when more bytes are needed. Throws the status the call
    /// must end with when the prefix is unacceptable (checked before buffering the payload).
    mutating func next() throws(GRPCStatus) -> [UInt8]? {
        guard bufferedBytes >= MessageFraming.prefixBytes else { return nil }
        let flag = buffer[readIndex]
        var length = 0
        for offset in 1...4 { length = length << 8 | Int(buffer[readIndex + offset]) }
        if flag != 0 {
            throw GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \"\(encoding)\"")
        }
        if length > maxMessageBytes {
            throw GRPCStatus(.resourceExhausted, "grpc: received message larger than max (\(length) vs. \(maxMessageBytes))")
        }
        guard bufferedBytes >= MessageFraming.prefixBytes + length else { return nil }
        let start = readIndex + MessageFraming.prefixBytes
        let message = Array(buffer[start..<start + length])
        readIndex = start + length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.count <= 64 * 1024)
            readIndex = 0
        }
        return message
    }
}
