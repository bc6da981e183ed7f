import EtcdAPI
import Foundation
import Testing

@testable import KVStore

@Suite struct RangeTests {
    func populated() throws -> TestStore {
        let s = try TestStore()
        try s.put("a", "3")    // 2
        try s.put("b", "1")    // 3
        try s.put("c", "2")    // 4
        try s.put("a", "1")    // 5
        try s.put("d", "0")    // 6
        return s
    }

    @Test func keyShapes() throws {
        let s = try populated()
        #expect(try s.dump("b", "") == ["b=1@3/3/1"])
        #expect(try s.dump("b", "d") == ["b=1@3/3/1", "c=2@4/4/1"])
        #expect(try s.dump("c", "\0").count == 2)                        // from-key
        #expect(try s.dump("\0", "\0").count == 4)                       // all keys
        #expect(try s.dump("d", "b") == [])                              // end before key
        #expect(throws: EtcdError.emptyKey) { try s.get("") }
    }

    @Test func limitCountKeysOnlyCountOnly() throws {
        let s = try populated()
        let r = try s.get("\0", "\0") { $0.limit = 2; $0.keysOnly = true }
        #expect(r.kvs.map(describe) == ["a=@2/5/2", "b=@3/3/1"] && r.more && r.count == 4)
        let c = try s.get("\0", "\0") { $0.countOnly = true }
        #expect(c.kvs.isEmpty && c.count == 4)
        let exact = try s.get("\0", "\0") { $0.limit = 4 }
        #expect(!exact.more && exact.kvs.count == 4)
    }

    @Test func sortTargetsAndOrders() throws {
        let s = try populated()
        let byValue = try s.get("\0", "\0") { $0.sortTarget = .value; $0.sortOrder = .descend }
        #expect(byValue.kvs.map { String(decoding: $0.key, as: UTF8.self) } == ["c", "a", "b", "d"])
        let byCreate = try s.get("\0", "\0") { $0.sortTarget = .create; $0.sortOrder = .descend; $0.limit = 2 }
        #expect(byCreate.kvs.map { String(decoding: $0.key, as: UTF8.self) } == ["d", "c"] && byCreate.more)
        let byKeyDesc = try s.get("\0", "\0") { $0.sortOrder = .descend }
        #expect(byKeyDesc.kvs.map { String(decoding: $0.key, as: UTF8.self) } == ["d", "c", "b", "a"])
    }

    /// Filters apply after the fetch; count is the unfiltered number of keys (etcd 3.4).
    @Test func revisionFiltersKeepUnfilteredCount() throws {
        let s = try populated()
        let r = try s.get("\0", "\0") { $0.minModRevision = 4; $0.maxModRevision = 5 }
        #expect(r.kvs.map(describe) == ["a=1@2/5/2", "c=2@4/4/1"] && r.count == 4)
        let created = try s.get("\0", "\0") { $0.minCreateRevision = 3; $0.maxCreateRevision = 4; $0.limit = 1 }
        #expect(created.kvs.map(describe) == ["b=1@3/3/1"] && created.more && created.count == 4)
    }

    /// etcd 3.4 decides "fetch everything" on the request's sort order, before a non-key
    /// target defaults the order to ascending: with no order, limit+1 keys are fetched in key
    /// order and only those are sorted.
    @Test func sortTargetWithoutOrderSortsOnlyTheLimitedFetch() throws {
        let s = try TestStore()
        try s.put("a", "1"); try s.put("a", "2")                          // a: version 2
        try s.put("b", "1"); try s.put("b", "2"); try s.put("b", "3")     // b: version 3
        try s.put("c", "1")                                              // c: version 1
        let quirk = try s.get("\0", "\0") { $0.sortTarget = .version; $0.limit = 1 }
        #expect(quirk.kvs.map { String(decoding: $0.key, as: UTF8.self) } == ["a"] && quirk.more)
        let full = try s.get("\0", "\0") { $0.sortTarget = .version; $0.sortOrder = .ascend; $0.limit = 1 }
        #expect(full.kvs.map { String(decoding: $0.key, as: UTF8.self) } == ["c"] && full.more)
    }

    @Test func readOnlyTxnServedWithoutRaft() throws {
        let s = try TestStore()
        try s.put("a", "1")
        let resp = try s.store.readOnlyTxn(txnRequest([compare("a", .value("1"), .equal)], success: [rangeOp("a")]))
        #expect(resp.succeeded && resp.header.revision == 2 && resp.responses[0].responseRange.count == 1)
        #expect(throws: EtcdError.notCapable) { try s.store.readOnlyTxn(txnRequest(success: [putOp("b", "1")])) }
        #expect(!s.store.hasUncommittedWrites || s.store.currentRevision == 2)
    }
}
