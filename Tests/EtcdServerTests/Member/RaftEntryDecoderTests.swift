import EtcdAPI
import Foundation
import KVStore
import SwiftProtobuf
import Testing

@testable import EtcdServer

/// Whether two operations are the same request (RaftOperation is not Equatable; its payloads are).
private func same(_ a: RaftOperation, _ b: RaftOperation) -> Bool {
    switch (a, b) {
    case let (.put(x), .put(y)): x == y
    case let (.txn(x), .txn(y)): x == y
    case let (.deleteRange(x), .deleteRange(y)): x == y
    case let (.range(x), .range(y)): x == y
    case let (.compaction(x), .compaction(y)): x == y
    case let (.leaseGrant(x), .leaseGrant(y)): x == y
    case let (.leaseRevoke(x), .leaseRevoke(y)): x == y
    case let (.leaseCheckpoint(x), .leaseCheckpoint(y)): x == y
    case let (.alarm(x), .alarm(y)): x == y
    case (.unsupported, .unsupported): true
    default: false
    }
}

private func bytes(_ r: Etcdserverpb_InternalRaftRequest) throws -> [UInt8] { try r.serializedBytes() }

private func request(id: UInt64, _ fill: (inout Etcdserverpb_InternalRaftRequest) -> Void) -> Etcdserverpb_InternalRaftRequest {
    var r = Etcdserverpb_InternalRaftRequest()
    r.header.id = id
    fill(&r)
    return r
}

@Suite("RaftEntryDecoder (apply without building InternalRaftRequest)")
struct RaftEntryDecoderTests {
    static let storeRequests: [Etcdserverpb_InternalRaftRequest] = [
        request(id: 1) { $0.put.key = Data("k".utf8); $0.put.value = Data(repeating: 7, count: 300); $0.put.lease = 9; $0.put.prevKv = true },
        request(id: 2) {
            var op = Etcdserverpb_RequestOp()
            op.requestPut.key = Data("a".utf8)
            var compare = Etcdserverpb_Compare()
            compare.key = Data("a".utf8)
            compare.target = .mod
            compare.modRevision = 3
            $0.txn.compare = [compare]
            $0.txn.success = [op, op]
            $0.txn.failure = [op]
        },
        request(id: 3) { $0.deleteRange.key = Data("a".utf8); $0.deleteRange.rangeEnd = Data([0]) },
        request(id: 4) { $0.range.key = Data("r".utf8); $0.range.limit = 5; $0.range.serializable = true },
        request(id: 5) { $0.compaction.revision = 42; $0.compaction.physical = true },
        request(id: 6) { $0.leaseGrant.ttl = 10; $0.leaseGrant.id = 77 },
        request(id: 7) { $0.leaseRevoke.id = 77 },
        request(id: 8) { $0.alarm.action = .activate; $0.alarm.alarm = .nospace; $0.alarm.memberID = 12 },
        request(id: 9) { var c = Etcdserverpb_LeaseCheckpoint(); c.id = 5; c.remainingTtl = 3; $0.leaseCheckpoint.checkpoints = [c] },
        request(id: 0) { $0.put.key = Data("no header".utf8) },
        request(id: UInt64.max) { $0.id = 123; $0.put.key = Data("with the v2 ID field".utf8) },
        request(id: 10) { $0.put = Etcdserverpb_PutRequest() },  // an empty put is still a put
    ]

    @Test("store requests decode to the operation and request ID of the full decode", arguments: storeRequests)
    func matchesFullDecode(_ r: Etcdserverpb_InternalRaftRequest) throws {
        let encoded = try bytes(r)
        let full = try Etcdserverpb_InternalRaftRequest(serializedBytes: encoded)
        let fast = try #require(RaftEntryDecoder.decode(encoded))
        #expect(fast.requestID == full.header.id)
        #expect(same(fast.operation, RaftOperation(full)))
    }

    @Test("v2, auth, several requests, repeated fields and damaged bytes are left to the full decode")
    func fallsBack() throws {
        var v2 = Etcdserverpb_InternalRaftRequest()
        v2.header.id = 1
        v2.v2.method = "PUT"
        #expect(RaftEntryDecoder.decode(try bytes(v2)) == nil)

        var auth = Etcdserverpb_InternalRaftRequest()
        auth.authEnable = Etcdserverpb_AuthEnableRequest()
        #expect(RaftEntryDecoder.decode(try bytes(auth)) == nil)

        var two = Etcdserverpb_InternalRaftRequest()
        two.put.key = Data("a".utf8)
        two.deleteRange.key = Data("b".utf8)
        #expect(RaftEntryDecoder.decode(try bytes(two)) == nil)

        // The same field twice is a protobuf merge: leave it to the real decoder.
        var one = Etcdserverpb_InternalRaftRequest()
        one.put.key = Data("a".utf8)
        let once = try bytes(one)
        #expect(RaftEntryDecoder.decode(once + once) == nil)

        #expect(RaftEntryDecoder.decode(Array(once.dropLast())) == nil)  // truncated
        #expect(RaftEntryDecoder.decode([0x00]) == nil)  // field number 0
        #expect(RaftEntryDecoder.decode([]) == nil)  // nothing to apply
    }

    @Test("a store applies the decoded operation exactly as the full request")
    func storeResultIsTheSame() throws {
        let directory = NSTemporaryDirectory() + "raft-entry-decoder-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let viaFull = try KVStore(directory: directory + "/full", mapSizeBytes: 16 << 20, nowMilliseconds: 1000)
        let viaFast = try KVStore(directory: directory + "/fast", mapSizeBytes: 16 << 20, nowMilliseconds: 1000)
        defer { viaFull.close(); viaFast.close() }
        for (i, r) in Self.storeRequests.enumerated() {
            let encoded = try bytes(r)
            let full = viaFull.apply(try Etcdserverpb_InternalRaftRequest(serializedBytes: encoded), index: UInt64(i + 1), nowMilliseconds: 1000)
            let fast = viaFast.apply(try #require(RaftEntryDecoder.decode(encoded)).operation, index: UInt64(i + 1), nowMilliseconds: 1000)
            #expect("\(full)" == "\(fast)", "request \(i)")
        }
        #expect(viaFull.currentRevision == viaFast.currentRevision)
        #expect(viaFull.keyCount == viaFast.keyCount)
    }
}
