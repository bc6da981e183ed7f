import EtcdAPI
import Foundation
import KVStore
import Testing

@testable import EtcdServer

@Suite("Raft request encoding")
struct RaftRequestEncodingTests {
    private func generated(_ id: UInt64, _ auth: AuthInfo?, _ fill: (inout Etcdserverpb_InternalRaftRequest) -> Void) throws -> [UInt8] {
        var request = Etcdserverpb_InternalRaftRequest()
        fill(&request)
        request.header.id = id
        if let auth {
            request.header.username = auth.username
            request.header.authRevision = auth.revision
        }
        return try request.serializedBytes()
    }

    @Test("a put is written byte for byte as the generated message writes it, with and without a user")
    func put() throws {
        var put = Etcdserverpb_PutRequest()
        put.key = Data("key".utf8)
        put.value = Data(repeating: 7, count: 300)  // a length that needs a two-byte varint
        put.lease = 42
        put.prevKv = true
        let op: [UInt8] = try put.serializedBytes()
        for (id, auth) in [(UInt64(1), nil), (0xFFFF_FFFF_FFFF_FFFF, AuthInfo(username: "alice", revision: 9)),
                           (300, AuthInfo(username: "", revision: 0)), (5, AuthInfo(username: "bob", revision: 0))] as [(UInt64, AuthInfo?)] {
            #expect(RaftRequestEncoding.encode(requestID: id, auth: auth, field: .put, operation: op)
                == (try generated(id, auth) { $0.put = put }))
        }
    }

    @Test("delete-range, txn and compaction are written as the generated message writes them")
    func otherOperations() throws {
        var del = Etcdserverpb_DeleteRangeRequest()
        del.key = Data("a".utf8)
        del.rangeEnd = Data("z".utf8)
        var txn = Etcdserverpb_TxnRequest()
        var op = Etcdserverpb_RequestOp()
        op.requestPut.key = Data("k".utf8)
        txn.success = [op]
        var compaction = Etcdserverpb_CompactionRequest()
        compaction.revision = 1234
        let auth = AuthInfo(username: "root", revision: 3)
        #expect(RaftRequestEncoding.encode(requestID: 77, auth: auth, field: .deleteRange, operation: try del.serializedBytes())
            == (try generated(77, auth) { $0.deleteRange = del }))
        #expect(RaftRequestEncoding.encode(requestID: 78, auth: nil, field: .txn, operation: try txn.serializedBytes())
            == (try generated(78, nil) { $0.txn = txn }))
        #expect(RaftRequestEncoding.encode(requestID: 79, auth: nil, field: .compaction, operation: try compaction.serializedBytes())
            == (try generated(79, nil) { $0.compaction = compaction }))
    }

    @Test("the written request decodes back to its operation and header")
    func roundTrip() throws {
        var put = Etcdserverpb_PutRequest()
        put.key = Data("x".utf8)
        put.value = Data("y".utf8)
        let bytes = RaftRequestEncoding.encode(requestID: 9, auth: AuthInfo(username: "u", revision: 2), field: .put,
                                               operation: try put.serializedBytes())
        let decoded = try Etcdserverpb_InternalRaftRequest(serializedBytes: bytes)
        #expect(decoded.put == put)
        #expect(decoded.header.id == 9)
        #expect(decoded.header.username == "u")
        #expect(decoded.header.authRevision == 2)
    }
}
