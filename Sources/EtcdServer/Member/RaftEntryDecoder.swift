import EtcdAPI
import Foundation
import KVStore
import SwiftProtobuf

/// Decodes the usual committed proposal (a request header plus one KV, lease or alarm request)
/// straight from the entry bytes into a `RaftOperation`, without building an
/// InternalRaftRequest: that message keeps ~30 sub-message slots inline and its decode copies
/// them all, on every member, for every entry.
///
/// Anything else (v2 and auth requests, a field given twice, several requests, bytes that do
/// not parse) returns nil and the caller decodes the entry in full, so behaviour never depends
/// on which path ran.
enum RaftEntryDecoder {
    struct Decoded {
        /// The proposer's request ID (header.id), which matches the entry to its waiting proposal.
        let requestID: UInt64
        let operation: RaftOperation
    }

    static func decode(_ bytes: [UInt8]) -> Decoded? {
        var reader = WireReader(bytes: bytes)
        var header: Etcdserverpb_RequestHeader?
        var operation: RaftOperation?
        while !reader.atEnd {
            guard let (field, wireType) = reader.readTag() else { return nil }
            switch (field, wireType) {
            case (1, 0):  // ID, unused by the v3 apply path
                guard reader.readVarint() != nil else { return nil }
            case (100, 2):
                guard header == nil, let range = reader.readLengthDelimited(),
                      let decoded = try? Etcdserverpb_RequestHeader(serializedBytes: Data(bytes[range])) else { return nil }
                header = decoded
            case (3...11, 2):
                guard operation == nil, let range = reader.readLengthDelimited(),
                      let decoded = try? self.operation(field: field, Data(bytes[range])) else { return nil }
                operation = decoded
            default:
                return nil
            }
        }
        guard let operation else { return nil }
        return Decoded(requestID: header?.id ?? 0, operation: operation)
    }

    /// InternalRaftRequest's field numbers for the store requests.
    private static func operation(field: UInt64, _ data: Data) throws -> RaftOperation {
        switch field {
        case 3: .range(try Etcdserverpb_RangeRequest(serializedBytes: data))
        case 4: .put(try Etcdserverpb_PutRequest(serializedBytes: data))
        case 5: .deleteRange(try Etcdserverpb_DeleteRangeRequest(serializedBytes: data))
        case 6: .txn(try Etcdserverpb_TxnRequest(serializedBytes: data))
        case 7: .compaction(try Etcdserverpb_CompactionRequest(serializedBytes: data))
        case 8: .leaseGrant(try Etcdserverpb_LeaseGrantRequest(serializedBytes: data))
        case 9: .leaseRevoke(try Etcdserverpb_LeaseRevokeRequest(serializedBytes: data))
        case 10: .alarm(try Etcdserverpb_AlarmRequest(serializedBytes: data))
        case 11: .leaseCheckpoint(try Etcdserverpb_LeaseCheckpointRequest(serializedBytes: data))
        default: preconditionFailure("field \(field) is not a store request")
        }
    }
}

/// Reads protobuf wire-format tags, varints and length-delimited fields; nil on truncation.
private struct WireReader {
    let bytes: [UInt8]
    var position = 0

    var atEnd: Bool { position >= bytes.count }

    mutating func readVarint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// (field number, wire type).
    mutating func readTag() -> (UInt64, UInt64)? {
        guard let tag = readVarint(), tag >> 3 != 0 else { return nil }
        return (tag >> 3, tag & 7)
    }

    /// The byte range of a length-delimited field's payload.
    mutating func readLengthDelimited() -> Range<Int>? {
        guard let length = readVarint(), length <= UInt64(bytes.count - position) else { return nil }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }
}
