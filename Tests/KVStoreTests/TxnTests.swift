import EtcdAPI
import Foundation
import Testing

@testable import KVStore

@Suite struct TxnTests {
    @Test func rangeComparesNeedEveryKey() throws {
        let s = try TestStore()
        try s.put("k1", "x")
        try s.put("k2", "x")
        try s.put("k3", "y")
        let allX = try s.txn(txnRequest([compare("k1", "k3", .value("x"), .equal)]))
        #expect(allX.succeeded)
        let withY = try s.txn(txnRequest([compare("k1", "k4", .value("x"), .equal)]))
        #expect(!withY.succeeded)
        // Over no key: judged against an empty KeyValue (version 0), except for values.
        #expect(try s.txn(txnRequest([compare("z", "zz", .version(0), .equal)])).succeeded)
        #expect(!(try s.txn(txnRequest([compare("z", .value(""), .equal)])).succeeded))
        #expect(try s.txn(txnRequest([compare("k1", .lease(0), .equal)])).succeeded)
        #expect(try s.txn(txnRequest([compare("k3", .mod(3), .greater), compare("k1", .create(2), .equal)])).succeeded)
        #expect(try s.txn(txnRequest([compare("k1", .version(1), .notEqual)])).succeeded == false)
    }

    @Test func emptyTxnDoesNotBumpRevision() throws {
        let s = try TestStore()
        try s.put("a", "1")
        let t = try s.txn(txnRequest())
        #expect(t.succeeded && t.header.revision == 2 && s.store.currentRevision == 2)
    }

    /// Nested compares are all evaluated before the outer txn writes anything.
    @Test func nestedTxnsSeeTheStateBeforeTheOuterWrites() throws {
        let s = try TestStore()
        try s.put("a", "1")                                                   // 2
        let inner = txnRequest([compare("a", .value("2"), .equal)], success: [putOp("b", "then")],
                               failure: [putOp("b", "else"), rangeOp("a")])
        let outer = txnRequest([compare("a", .value("1"), .equal)], success: [putOp("a", "2"), txnOp(inner)])
        let resp = try s.txn(outer)
        #expect(resp.succeeded && resp.header.revision == 3)
        let nested = resp.responses[1].responseTxn
        #expect(!nested.succeeded)                                            // saw a=1, not a=2
        #expect(nested.responses[0].responsePut.header.revision == 3)
        #expect(nested.responses[1].responseRange.kvs.map(describe) == ["a=2@2/3/2"])  // but reads see the write
        #expect(try s.dump() == ["a=2@2/3/2", "b=else@3/3/1"])
        // One main revision, sub revisions in op order.
        var subs: [String] = []
        s.store.backend.scan(.key, from: Revision(main: 3).encoded()) { k, _ in
            subs.append(Revision.decode(k).revision.description)
            return true
        }
        #expect(subs == ["3.0", "3.1"])
    }

    @Test func requestChecksFailBeforeWriting() throws {
        let s = try TestStore()
        try s.put("a", "1")
        var ignore = Etcdserverpb_PutRequest()
        ignore.key = Data("missing".utf8)
        ignore.ignoreValue = true
        var op = Etcdserverpb_RequestOp()
        op.requestPut = ignore
        #expect(throws: EtcdError.keyNotFound) { try s.txn(txnRequest(success: [putOp("x", "1"), op])) }
        #expect(throws: EtcdError.leaseNotFound) { try s.txn(txnRequest(success: [putOp("x", "1", lease: 42)])) }
        #expect(throws: EtcdError.futureRevision) { try s.txn(txnRequest(success: [rangeOp("a", rev: 9)])) }
        #expect(s.store.currentRevision == 2)
        #expect(try s.dump() == ["a=1@2/2/1"])
    }

    @Test func putIgnoreValueAndLease() throws {
        let s = try TestStore()
        _ = try s.grant(id: 5, ttl: 60)
        try s.put("k", "v", lease: 5)
        var p = Etcdserverpb_PutRequest()
        p.key = Data("k".utf8)
        p.ignoreValue = true
        p.ignoreLease = true
        p.prevKv = true
        let resp = try s.putRequest(p)
        #expect(describe(resp.prevKv) == "k=v@2/2/1")
        let now = try s.get("k").kvs[0]
        #expect(describe(now) == "k=v@2/3/2" && now.lease == 5)
        p.key = Data("nope".utf8)
        #expect(throws: EtcdError.keyNotFound) { try s.putRequest(p) }
        #expect(throws: EtcdError.leaseNotFound) { try s.put("k", "v", lease: 6) }
        #expect(s.store.currentRevision == 3)
    }

    @Test func validationMatchesEtcd() throws {
        typealias V = RequestValidation
        #expect(throws: EtcdError.duplicateKey) { try V.check(txnRequest(success: [putOp("a", "1"), putOp("a", "2")])) }
        #expect(throws: EtcdError.duplicateKey) { try V.check(txnRequest(success: [putOp("b", "1"), deleteOp("a", "c")])) }
        #expect(throws: EtcdError.duplicateKey) {
            try V.check(txnRequest(success: [putOp("a", "1"), txnOp(txnRequest(success: [putOp("a", "2")]))]))
        }
        // then/else of one nested txn exclude each other.
        try V.check(txnRequest(success: [txnOp(txnRequest(success: [putOp("a", "1")], failure: [putOp("a", "2")]))]))
        // success and failure of the outer txn are separate branches.
        try V.check(txnRequest(success: [putOp("a", "1")], failure: [putOp("a", "2")]))
        // A delete of the same key as a put in one branch is a duplicate; a range is not.
        #expect(throws: EtcdError.duplicateKey) { try V.check(txnRequest(success: [deleteOp("a"), putOp("a", "1")])) }
        try V.check(txnRequest(success: [rangeOp("a"), putOp("a", "1")]))
        #expect(throws: EtcdError.tooManyOps) { try V.check(txnRequest(success: (0..<129).map { putOp("k\($0)", "v") })) }
        try V.check(txnRequest(success: (0..<128).map { putOp("k\($0)", "v") }))
        #expect(throws: EtcdError.emptyKey) { try V.check(txnRequest([compare("", .version(0), .equal)])) }
        #expect(throws: EtcdError.keyNotFound) { try V.check(txnRequest(success: [Etcdserverpb_RequestOp()])) }
        var p = Etcdserverpb_PutRequest()
        p.key = Data("k".utf8)
        p.ignoreValue = true
        p.value = Data("v".utf8)
        #expect(throws: EtcdError.valueProvided) { try V.check(p) }
        p.value = Data()
        p.ignoreLease = true
        p.lease = 3
        #expect(throws: EtcdError.leaseProvided) { try V.check(p) }
    }
}
