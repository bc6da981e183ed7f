import Raft

/// What travels on a peer connection: length-prefixed frames.
///
///     u32 big-endian length of what follows (kind byte + payload)
///     u8  kind
///     ... payload
///
/// The dialling member opens every connection with a `hello` (its cluster ID, its member ID and
/// the member ID it expects to reach); the accepting member answers a mismatch with `reject`
/// (a human-readable reason) and closes. After the hello, the dialler sends only `message`
/// frames: one Raft message each, in `RaftCodec`'s encoding.
///
/// A snapshot travels on a connection of its own (so the message stream never waits behind
/// it): hello, `snapshotBegin`, the backend file as `snapshotChunk`s, `snapshotEnd` with its
/// CRC-32C; the receiver answers one `snapshotResult` (empty when the snapshot was accepted,
/// else the reason) and closes. See `SnapshotSender` and `SnapshotReceiver`.
enum PeerFrame: Equatable {
    case hello(Hello)
    case message([UInt8])
    case reject(String)
    case snapshotBegin(SnapshotBegin)
    case snapshotChunk([UInt8])
    case snapshotEnd(crc32c: UInt32)
    case snapshotResult(String)
    /// Sent instead of a hello by a member joining a running cluster: which cluster is this and
    /// who is in it? Answered with `members` (etcd answers GET /members on its peer port).
    case membersRequest
    /// The answer: `MembershipSummary` as JSON.
    case members([UInt8])

    struct Hello: Equatable {
        var clusterID: UInt64
        var from: NodeID
        var to: NodeID
    }

    /// The size of the backend file that follows, and the Raft snapshot message (encoded).
    struct SnapshotBegin: Equatable {
        var fileBytes: UInt64
        var message: [UInt8]
    }

    enum Kind: UInt8 {
        case hello = 1, message = 2, reject = 3
        case snapshotBegin = 4, snapshotChunk = 5, snapshotEnd = 6, snapshotResult = 7
        case membersRequest = 8, members = 9
    }

    /// Bytes before the payload: length and kind.
    static let headerBytes = 5

    /// The frame's header (length and kind) and payload, as separate chunks so a Raft message
    /// is not copied once more before the socket write gathers them.
    var chunks: [[UInt8]] {
        switch self {
        case .hello(let h):
            var payload: [UInt8] = []
            payload.reserveCapacity(24)
            for value in [h.clusterID, h.from.rawValue, h.to.rawValue] { Self.append(value, to: &payload) }
            return [Self.header(.hello, payloadBytes: payload.count), payload]
        case .message(let bytes):
            return [Self.header(.message, payloadBytes: bytes.count), bytes]
        case .reject(let reason):
            let payload = Array(reason.utf8.prefix(1024))
            return [Self.header(.reject, payloadBytes: payload.count), payload]
        case .snapshotBegin(let begin):
            var size: [UInt8] = []
            Self.append(begin.fileBytes, to: &size)
            return [Self.header(.snapshotBegin, payloadBytes: 8 + begin.message.count), size, begin.message]
        case .snapshotChunk(let bytes):
            return [Self.header(.snapshotChunk, payloadBytes: bytes.count), bytes]
        case .snapshotEnd(let crc):
            let payload = (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * $0)) }
            return [Self.header(.snapshotEnd, payloadBytes: 4), payload]
        case .snapshotResult(let reason):
            let payload = Array(reason.utf8.prefix(1024))
            return [Self.header(.snapshotResult, payloadBytes: payload.count), payload]
        case .membersRequest:
            return [Self.header(.membersRequest, payloadBytes: 0)]
        case .members(let json):
            return [Self.header(.members, payloadBytes: json.count), json]
        }
    }

    static func header(_ kind: Kind, payloadBytes: Int) -> [UInt8] {
        let length = UInt32(payloadBytes + 1)
        return [UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
                UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), kind.rawValue]
    }

    /// Decodes a frame from its kind and payload; nil for an unknown kind or a malformed hello.
    static func decode(kind: UInt8, payload: ArraySlice<UInt8>) -> PeerFrame? {
        switch Kind(rawValue: kind) {
        case .hello:
            guard payload.count == 24 else { return nil }
            func word(_ at: Int) -> UInt64 {
                let start = payload.startIndex + at
                return payload[start..<start + 8].reduce(0) { $0 << 8 | UInt64($1) }
            }
            return .hello(Hello(clusterID: word(0), from: NodeID(word(8)), to: NodeID(word(16))))
        case .message:
            return .message(Array(payload))
        case .reject:
            return .reject(String(decoding: payload, as: UTF8.self))
        case .snapshotBegin:
            guard payload.count > 8 else { return nil }
            let size = payload.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
            return .snapshotBegin(SnapshotBegin(fileBytes: size, message: Array(payload.dropFirst(8))))
        case .snapshotChunk:
            return .snapshotChunk(Array(payload))
        case .snapshotEnd:
            guard payload.count == 4 else { return nil }
            return .snapshotEnd(crc32c: payload.reduce(0) { $0 << 8 | UInt32($1) })
        case .snapshotResult:
            return .snapshotResult(String(decoding: payload, as: UTF8.self))
        case .membersRequest:
            return payload.isEmpty ? .membersRequest : nil
        case .members:
            return .members(Array(payload))
        case nil:
            return nil
        }
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
