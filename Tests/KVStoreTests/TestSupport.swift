import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// A store in a fresh temporary directory, plus helpers that propose requests the way the
/// server does (consecutive Raft indexes, one batch commit when asked).
final class TestStore {
    let directory: String
    private(set) var store: KVStore
    private(set) var nextIndex: UInt64 = 1
    var now: UInt64 = 1_000_000

    init(minLeaseTTLSeconds: Int64 = 2, primary: Bool = true) throws {
        directory = NSTemporaryDirectory() + "kvstore-test-" + UUID().uuidString
        store = try KVStore(directory: directory, mapSizeBytes: 64 << 20, minLeaseTTLSeconds: minLeaseTTLSeconds,
                            nowMilliseconds: primary ? now : nil)
        nextIndex = store.appliedIndex + 1
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Closes and reopens the store on the same directory (uncommitted writes are lost).
    func reopen(now reopenNow: UInt64? = nil) throws {
        store.close()
        store = try KVStore(directory: directory, mapSizeBytes: 64 << 20, nowMilliseconds: reopenNow ?? now)
        nextIndex = store.appliedIndex + 1
    }

    /// Rewinds the index counter so the next applies reuse old indexes (WAL replay).
    func rewindIndex(to index: UInt64) { nextIndex = index }

    @discardableResult
    func apply(_ r: Etcdserverpb_InternalRaftRequest) -> ApplyResult {
        let result = store.apply(r, index: nextIndex, nowMilliseconds: now)
        nextIndex += 1
        return result
    }

    @discardableResult
    func put(_ key: String, _ value: String, lease: Int64 = 0, prevKV: Bool = false) throws -> Etcdserverpb_PutResponse {
        var p = Etcdserverpb_PutRequest()
        p.key = Data(key.utf8)
        p.value = Data(value.utf8)
        p.lease = lease
        p.prevKv = prevKV
        return try putRequest(p)
    }

    func putRequest(_ p: Etcdserverpb_PutRequest) throws -> Etcdserverpb_PutResponse {
        var r = Etcdserverpb_InternalRaftRequest()
        r.put = p
        switch apply(r) {
        case .put(let resp): return resp
        case .failure(let e): throw e
        default: throw TestFailure("unexpected result")
        }
    }

    @discardableResult
    func delete(_ key: String, _ end: String = "", prevKV: Bool = false) throws -> Etcdserverpb_DeleteRangeResponse {
        var d = Etcdserverpb_DeleteRangeRequest()
        d.key = Data(key.utf8)
        d.rangeEnd = Data(end.utf8)
        d.prevKv = prevKV
        var r = Etcdserverpb_InternalRaftRequest()
        r.deleteRange = d
        switch apply(r) {
        case .deleteRange(let resp): return resp
        case .failure(let e): throw e
        default: throw TestFailure("unexpected result")
        }
    }

    @discardableResult
    func txn(_ t: Etcdserverpb_TxnRequest) throws -> Etcdserverpb_TxnResponse {
        var r = Etcdserverpb_InternalRaftRequest()
        r.txn = t
        switch apply(r) {
        case .txn(let resp): return resp
        case .failure(let e): throw e
        default: throw TestFailure("unexpected result")
        }
    }

    @discardableResult
    func compact(_ rev: Int64) throws -> Etcdserverpb_CompactionResponse {
        var c = Etcdserverpb_CompactionRequest()
        c.revision = rev
        var r = Etcdserverpb_InternalRaftRequest()
        r.compaction = c
        switch apply(r) {
        case .compaction(let resp): return resp
        case .failure(let e): throw e
        default: throw TestFailure("unexpected result")
        }
    }

    func grant(id: Int64, ttl: Int64) throws -> Etcdserverpb_LeaseGrantResponse {
        var g = Etcdserverpb_LeaseGrantRequest()
        g.id = id
        g.ttl = ttl
        var r = Etcdserverpb_InternalRaftRequest()
        r.leaseGrant = g
        switch apply(r) {
        case .leaseGrant(let resp): return resp
        case .failure(let e): throw e
        default: throw TestFailure("unexpected result")
        }
    }

    @discardableResult
    func revoke(id: Int64) throws -> Etcdserverpb_LeaseRevokeResponse {
        var v = Etcdserverpb_LeaseRevokeRequest()
        v.id = id
        var r = Etcdserverpb_InternalRaftRequest()
        r.leaseRevoke = v
        switch apply(r) {
        case .leaseRevoke(let resp): return resp
        case .failure(let e): throw e
        default: throw TestFailure("unexpected result")
        }
    }

    func get(_ key: String, _ end: String = "", rev: Int64 = 0, configure: (inout Etcdserverpb_RangeRequest) -> Void = { _ in })
        throws(EtcdError) -> Etcdserverpb_RangeResponse
    {
        var r = Etcdserverpb_RangeRequest()
        r.key = Data(key.utf8)
        r.rangeEnd = Data(end.utf8)
        r.revision = rev
        configure(&r)
        return try store.range(r)
    }

    /// "key=value@create/mod/version" for every key of a range, for compact expectations.
    func dump(_ key: String = "\0", _ end: String = "\0", rev: Int64 = 0) throws -> [String] {
        try get(key, end, rev: rev).kvs.map(describe)
    }
}

func describe(_ kv: Mvccpb_KeyValue) -> String {
    "\(String(decoding: kv.key, as: UTF8.self))=\(String(decoding: kv.value, as: UTF8.self))@\(kv.createRevision)/\(kv.modRevision)/\(kv.version)"
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

// MARK: - Request builders

func putOp(_ key: String, _ value: String, lease: Int64 = 0) -> Etcdserverpb_RequestOp {
    var p = Etcdserverpb_PutRequest()
    p.key = Data(key.utf8)
    p.value = Data(value.utf8)
    p.lease = lease
    var op = Etcdserverpb_RequestOp()
    op.requestPut = p
    return op
}

func deleteOp(_ key: String, _ end: String = "") -> Etcdserverpb_RequestOp {
    var d = Etcdserverpb_DeleteRangeRequest()
    d.key = Data(key.utf8)
    d.rangeEnd = Data(end.utf8)
    var op = Etcdserverpb_RequestOp()
    op.requestDeleteRange = d
    return op
}

func rangeOp(_ key: String, _ end: String = "", rev: Int64 = 0) -> Etcdserverpb_RequestOp {
    var r = Etcdserverpb_RangeRequest()
    r.key = Data(key.utf8)
    r.rangeEnd = Data(end.utf8)
    r.revision = rev
    var op = Etcdserverpb_RequestOp()
    op.requestRange = r
    return op
}

func txnOp(_ t: Etcdserverpb_TxnRequest) -> Etcdserverpb_RequestOp {
    var op = Etcdserverpb_RequestOp()
    op.requestTxn = t
    return op
}

func txnRequest(_ compares: [Etcdserverpb_Compare] = [], success: [Etcdserverpb_RequestOp] = [],
                failure: [Etcdserverpb_RequestOp] = []) -> Etcdserverpb_TxnRequest {
    var t = Etcdserverpb_TxnRequest()
    t.compare = compares
    t.success = success
    t.failure = failure
    return t
}

enum CompareTerm {
    case version(Int64), create(Int64), mod(Int64), value(String), lease(Int64)
}

func compare(_ key: String, _ term: CompareTerm, _ result: Etcdserverpb_Compare.CompareResult) -> Etcdserverpb_Compare {
    compare(key, "", term, result)
}

func compare(_ key: String, _ end: String, _ term: CompareTerm, _ result: Etcdserverpb_Compare.CompareResult) -> Etcdserverpb_Compare {
    var c = Etcdserverpb_Compare()
    c.key = Data(key.utf8)
    c.rangeEnd = Data(end.utf8)
    c.result = result
    switch term {
    case .version(let v): c.target = .version; c.version = v
    case .create(let v): c.target = .create; c.createRevision = v
    case .mod(let v): c.target = .mod; c.modRevision = v
    case .value(let v): c.target = .value; c.value = Data(v.utf8)
    case .lease(let v): c.target = .lease; c.lease = v
    }
    return c
}
