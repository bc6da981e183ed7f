import EtcdAPI
import Foundation

/// The pieces clientv3/concurrency's Mutex and Election are built from: requests sorted by
/// creation revision and the wait until older keys are deleted.
enum EtcdRecipes {
    /// One key under `prefix`, the oldest (ascending) or the newest, by creation revision.
    static func byCreation(_ prefix: String, ascending: Bool, maxCreateRevision: Int64 = 0) -> Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(prefix.utf8)
        request.rangeEnd = KeyPrefix.rangeEnd(request.key)
        request.sortTarget = .create
        request.sortOrder = ascending ? .ascend : .descend
        request.limit = 1
        request.maxCreateRevision = maxCreateRevision
        return request
    }

    static func createRevision(_ key: String, equals revision: Int64) -> Etcdserverpb_Compare {
        var compare = Etcdserverpb_Compare()
        compare.key = Data(key.utf8)
        compare.target = .create
        compare.result = .equal
        compare.createRevision = revision
        return compare
    }

    static func put(_ key: String, _ value: String, lease: Int64) -> Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        op.requestPut.key = Data(key.utf8)
        op.requestPut.value = Data(value.utf8)
        op.requestPut.lease = lease
        return op
    }

    static func get(_ request: Etcdserverpb_RangeRequest) -> Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        op.requestRange = request
        return op
    }

    static func get(_ key: String) -> Etcdserverpb_RequestOp {
        var range = Etcdserverpb_RangeRequest()
        range.key = Data(key.utf8)
        return get(range)
    }

    static func delete(_ key: String) -> Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        op.requestDeleteRange.key = Data(key.utf8)
        return op
    }

    static func kvs(_ response: Etcdserverpb_TxnResponse, _ index: Int) -> [Mvccpb_KeyValue] {
        index < response.responses.count ? response.responses[index].responseRange.kvs : []
    }

    /// Blocks until every key under `prefix` created at or before `maxCreateRevision` is
    /// deleted; returns the header of the read that found none left.
    static func waitDeletes(_ client: EtcdClient, prefix: String, maxCreateRevision: Int64) throws(EtcdError) -> Etcdserverpb_ResponseHeader {
        while true {
            let newest = try client.get(byCreation(prefix, ascending: false, maxCreateRevision: maxCreateRevision), timeout: .unlimited)
            guard let key = newest.kvs.first?.key else { return newest.header }
            try waitDelete(client, key: key, from: newest.header.revision)
        }
    }

    /// Blocks until `key` is deleted at or after `revision`.
    static func waitDelete(_ client: EtcdClient, key: Data, from revision: Int64) throws(EtcdError) {
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = key
        request.startRevision = revision
        let create = request
        let failure: EtcdError? = client.blocking { connection, finish in
            let watcher = connection.watch(create)
            watcher.onResponse = { [unowned watcher] response in
                if response.canceled {
                    return finish(response.compactRevision != 0
                        ? EtcdError(code: .outOfRange, message: "etcdserver: mvcc: required revision has been compacted")
                        : EtcdError(code: .unknown, message: "lost watcher waiting for delete"))
                }
                if response.events.contains(where: { $0.type == .delete }) {
                    finish(nil)
                    watcher.cancel()
                }
            }
            watcher.onEnd = { error in finish(error ?? EtcdError(code: .unknown, message: "lost watcher waiting for delete")) }
        }
        if let failure { throw failure }
    }
}
