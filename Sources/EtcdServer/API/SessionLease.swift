import EtcdAPI
import Foundation
import KVStore

/// The lease a lock or election request runs under, as etcd's servers open a concurrency
/// session: the caller's lease, or (lease 0) a fresh 60-second lease that nobody keeps alive,
/// so an abandoned holder's key expires on its own.
enum SessionLease {
    static let defaultTTLSeconds: Int64 = 60

    static func resolve(_ lease: Int64, _ kv: LocalKV, deadline: UInt64?, _ completion: @escaping LocalKV.Completion<Int64>) {
        guard lease == 0 else { return completion(.success(lease)) }
        kv.grantLease(ttlSeconds: defaultTTLSeconds, deadline: deadline, completion)
    }

    /// The waiter's key: the prefix followed by the lease ID in hex (Go's %x).
    static func key(prefix: Data, lease: Int64) -> Data {
        prefix + Data(String(lease, radix: 16).utf8)
    }
}

/// Pieces of the transactions the recipes send.
enum RecipeOps {
    static func createRevision(_ key: Data, equals revision: Int64) -> Etcdserverpb_Compare {
        var compare = Etcdserverpb_Compare()
        compare.key = key
        compare.target = .create
        compare.result = .equal
        compare.createRevision = revision
        return compare
    }

    static func put(_ key: Data, _ value: Data, lease: Int64) -> Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        op.requestPut.key = key
        op.requestPut.value = value
        op.requestPut.lease = lease
        return op
    }

    static func get(_ request: Etcdserverpb_RangeRequest) -> Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        op.requestRange = request
        return op
    }

    static func get(_ key: Data) -> Etcdserverpb_RequestOp {
        var range = Etcdserverpb_RangeRequest()
        range.key = key
        return get(range)
    }

    static func delete(_ key: Data) -> Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        op.requestDeleteRange.key = key
        return op
    }

    /// The range result of a txn response's `index`th operation.
    static func kvs(_ response: Etcdserverpb_TxnResponse, _ index: Int) -> [Mvccpb_KeyValue] {
        guard index < response.responses.count else { return [] }
        return response.responses[index].responseRange.kvs
    }

    /// A Go error that is not a gRPC status reaches the client as Unknown with its text.
    static func plainError(_ message: String) -> EtcdError { EtcdError(code: 2, message: message) }
}
