import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// The same requests as a session recorded against the real etcd 3.4.23 (`etcdctl -w json`
/// against a fresh member); each expectation is the revision/field etcd answered.
@Suite struct RecordedEtcdSequenceTests {
    @Test func revisionsMatchEtcd() throws {
        let s = try TestStore()
        #expect(try s.get("a").header.revision == 1)                       // fresh store: revision 1
        #expect(try s.put("a", "1").header.revision == 2)
        #expect(try s.put("b", "1").header.revision == 3)
        #expect(try s.put("a", "2").header.revision == 4)
        let del = try s.delete("a")
        #expect(del.header.revision == 5 && del.deleted == 1)
        let noop = try s.delete("zz")
        #expect(noop.header.revision == 5 && noop.deleted == 0)             // nothing deleted: no revision
        #expect(try s.put("a", "3").header.revision == 6)

        // ver("a") = "1" → put c x, put d y, del b
        let t1 = try s.txn(txnRequest([compare("a", .version(1), .equal)],
                                      success: [putOp("c", "x"), putOp("d", "y"), deleteOp("b")]))
        #expect(t1.succeeded && t1.header.revision == 7)
        #expect(t1.responses.map(\.responsePut.header.revision).prefix(2) == [7, 7])
        #expect(t1.responses[2].responseDeleteRange.deleted == 1 && t1.responses[2].responseDeleteRange.header.revision == 7)

        // ver("a") = "5" fails → get a (read-only: no revision)
        let t2 = try s.txn(txnRequest([compare("a", .version(5), .equal)], success: [putOp("c", "q")], failure: [rangeOp("a")]))
        #expect(!t2.succeeded && t2.header.revision == 7)
        #expect(t2.responses[0].responseRange.kvs.map(describe) == ["a=3@6/6/1"])
        #expect(t2.responses[0].responseRange.header.revision == 7)

        // val("zz") = "" on a missing key fails → put r 1
        let t3 = try s.txn(txnRequest([compare("zz", .value(""), .equal)], success: [putOp("q", "1")], failure: [putOp("r", "1")]))
        #expect(!t3.succeeded && t3.header.revision == 8 && t3.responses[0].responsePut.header.revision == 8)

        // mod("c") > 0 → del zz (deletes nothing: no revision)
        let t4 = try s.txn(txnRequest([compare("c", .mod(0), .greater)], success: [deleteOp("zz")]))
        #expect(t4.succeeded && t4.header.revision == 8 && t4.responses[0].responseDeleteRange.header.revision == 8)

        // create("c") = "7" → put c y, get c (sees its own write)
        let t5 = try s.txn(txnRequest([compare("c", .create(7), .equal)], success: [putOp("c", "y"), rangeOp("c")]))
        #expect(t5.succeeded && t5.header.revision == 9)
        #expect(t5.responses[1].responseRange.kvs.map(describe) == ["c=y@7/9/2"])
        #expect(t5.responses[1].responseRange.header.revision == 9)

        let d2 = try s.delete("c", "e")
        #expect(d2.header.revision == 10 && d2.deleted == 2)
        let e1 = try s.put("e", "1", prevKV: true)
        #expect(e1.header.revision == 11 && !e1.hasPrevKv)
        let e2 = try s.put("e", "2", prevKV: true)
        #expect(e2.header.revision == 12 && describe(e2.prevKv) == "e=1@11/11/1")
        let all = try s.delete("\0", "\0", prevKV: true)
        #expect(all.header.revision == 13 && all.deleted == 3)
        #expect(all.prevKvs.map(describe) == ["a=3@6/6/1", "e=2@11/12/2", "r=1@8/8/1"])
        #expect(try s.put("a", "4").header.revision == 14)
        #expect(try s.put("f", "1").header.revision == 15)
        #expect(try s.put("a", "5").header.revision == 16)

        #expect(try s.get("a", rev: 3).kvs.map(describe) == ["a=1@2/2/1"])
        #expect(try s.get("a", rev: 3).header.revision == 16)
        #expect(try s.get("a", rev: 5).kvs.isEmpty)
        #expect(try s.get("c", rev: 8).kvs.map(describe) == ["c=x@7/7/1"])

        #expect(try s.compact(9).header.revision == 16)
        #expect(throws: EtcdError.compacted) { try s.get("a", rev: 8) }
        #expect(try s.get("a", rev: 9).kvs.map(describe) == ["a=3@6/6/1"])
        #expect(throws: EtcdError.futureRevision) { try s.get("a", rev: 99) }

        let limited = try s.get("\0", "\0") { $0.limit = 1 }
        #expect(limited.kvs.map(describe) == ["a=5@14/16/2"] && limited.more && limited.count == 2)
        let byModDesc = try s.get("\0", "\0") { $0.sortTarget = .mod; $0.sortOrder = .descend }
        #expect(byModDesc.kvs.map(describe) == ["a=5@14/16/2", "f=1@15/15/1"] && !byModDesc.more)
        let byVersion = try s.get("\0", "\0") { $0.sortTarget = .version }
        #expect(byVersion.kvs.map(describe) == ["f=1@15/15/1", "a=5@14/16/2"])

        #expect(throws: EtcdError.compacted) { try s.compact(9) }
        try s.compact(15)
        try s.compact(16)
        let hash = try s.store.hashKV(revision: 0)
        #expect(hash.hash == 3_677_759_066 && hash.compactRevision == 16 && hash.revision == 16)
    }

    /// HashKV values recorded from etcd 3.4.23: the stored bytes follow etcd's format.
    @Test func hashKVMatchesEtcd() throws {
        let s = try TestStore()
        #expect(try s.store.hashKV(revision: 0).hash == 1_084_519_789)
        #expect(try s.store.hashKV(revision: 0).compactRevision == -1)
        try s.put("a", "1")
        try s.put("b", "2")
        try s.delete("a")
        #expect(try s.store.hashKV(revision: 0).hash == 1_562_576_432)
        #expect(try s.store.hashKV(revision: 3).hash == 1_827_592_406)
        try s.put("c", "3")
        try s.compact(3)
        let h = try s.store.hashKV(revision: 0)
        #expect(h.hash == 2_496_403_218 && h.compactRevision == 3 && h.revision == 5)
    }

    /// etcd raises a granted TTL to the minimum (2 s with default timing) and answers with it.
    @Test func leaseGrantMinimumTTL() throws {
        let s = try TestStore(minLeaseTTLSeconds: 2)
        #expect(try s.grant(id: 7, ttl: 1).ttl == 2)
        #expect(try s.grant(id: 8, ttl: 100).ttl == 100)
    }
}
