import KVStore

/// The bytes of an `InternalRaftRequest` holding one operation and the request header, written
/// directly: the same bytes SwiftProtobuf writes (fields in number order, defaults omitted), so
/// every decoder reads them alike. Why: building the generated message costs two copies of
/// its ~30-field storage per request (the first mutation copies the shared default instance),
/// each field access checked for exclusivity at run time, then a traversal of all of them to
/// serialize — about a tenth of a leader's instructions per put. The operation is serialized
/// on its own (small messages with inline storage).
enum RaftRequestEncoding {
    /// InternalRaftRequest field numbers (etcd's raft_internal.proto).
    enum Field: UInt64 {
        case put = 4, deleteRange = 5, txn = 6, compaction = 7
    }

    private static let headerField: UInt64 = 100
    private static let lengthDelimited: UInt64 = 2

    static func encode(requestID: UInt64, auth: AuthInfo?, field: Field, operation: [UInt8]) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(16)
        appendVarint(1 << 3, to: &header)  // RequestHeader.ID
        appendVarint(requestID, to: &header)
        if let auth, !auth.username.isEmpty {
            appendVarint(2 << 3 | lengthDelimited, to: &header)  // RequestHeader.username
            appendVarint(UInt64(auth.username.utf8.count), to: &header)
            header.append(contentsOf: auth.username.utf8)
        }
        if let auth, auth.revision != 0 {
            appendVarint(3 << 3, to: &header)  // RequestHeader.auth_revision
            appendVarint(auth.revision, to: &header)
        }
        var out: [UInt8] = []
        out.reserveCapacity(operation.count + header.count + 16)
        appendVarint(field.rawValue << 3 | lengthDelimited, to: &out)
        appendVarint(UInt64(operation.count), to: &out)
        out.append(contentsOf: operation)
        appendVarint(headerField << 3 | lengthDelimited, to: &out)
        appendVarint(UInt64(header.count), to: &out)
        out.append(contentsOf: header)
        return out
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
