/// Cuts a peer connection's byte stream into frames. Bytes arrive in arbitrary pieces; a frame is
/// handed out once all of it is here. A frame longer than `maxFrameBytes` is a protocol error (a
/// confused or hostile peer must not make us buffer without limit).
struct FrameDecoder {
    enum DecodeError: Error, Equatable, CustomStringConvertible {
        case frameTooLarge(Int)
        case malformedFrame(kind: UInt8)

        var description: String {
            switch self {
            case .frameTooLarge(let n): return "peer frame of \(n) bytes exceeds the limit"
            case .malformedFrame(let kind): return "malformed peer frame (kind \(kind))"
            }
        }
    }

    let maxFrameBytes: Int
    private var buffer: [UInt8] = []
    /// Where the undecoded bytes start in `buffer` (consumed bytes are dropped in bulk, not one
    /// frame at a time, so decoding many small frames stays linear).
    private var start = 0

    init(maxFrameBytes: Int) {
        precondition(maxFrameBytes > 0)
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes received but not yet part of a complete frame.
    var bufferedBytes: Int { buffer.count - start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 * 1024 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    mutating func next() throws(DecodeError) -> PeerFrame? {
        let available = buffer.count - start
        guard available >= PeerFrame.headerBytes else { return nil }
        let length = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1, length <= maxFrameBytes else { throw .frameTooLarge(length) }
        guard available >= 4 + length else { return nil }
        let kind = buffer[start + 4]
        let payload = buffer[(start + 5)..<(start + 4 + length)]
        start += 4 + length
        guard let frame = PeerFrame.decode(kind: kind, payload: payload) else { throw .malformedFrame(kind: kind) }
        return frame
    }
}
