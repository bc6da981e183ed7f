import EtcdAPI
import Foundation

/// clientv3/concurrency's Election over a session: candidates put `<name>/<lease hex>` with
/// their proposal; the oldest key is the leader. Blocking.
public struct EtcdElection: Sendable {
    public let client: EtcdClient
    public let session: EtcdSession
    public let prefix: String

    public init(client: EtcdClient, session: EtcdSession, name: String) {
        self.client = client
        self.session = session
        prefix = name + "/"
    }

    public var key: String { session.key(prefix: prefix) }

    /// Becomes a candidate with `value` and blocks until elected; returns the leader key's
    /// creation revision. `onQueued` runs once the candidacy is in place.
    public func campaign(_ value: String, onQueued: (Int64) -> Void = { _ in }) throws(EtcdError) -> Int64 {
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [EtcdRecipes.createRevision(key, equals: 0)]
        txn.success = [EtcdRecipes.put(key, value, lease: session.leaseID)]
        txn.failure = [EtcdRecipes.get(key)]
        let response = try client.txn(txn, timeout: .unlimited)
        var revision = response.header.revision
        if !response.succeeded, let existing = EtcdRecipes.kvs(response, 0).first {
            revision = existing.createRevision
            if existing.value != Data(value.utf8) {
                do { try proclaim(value, revision: revision) } catch {
                    try? resign(revision: revision)
                    throw error
                }
            }
        }
        onQueued(revision)
        _ = try EtcdRecipes.waitDeletes(client, prefix: prefix, maxCreateRevision: revision - 1)
        return revision
    }

    public func proclaim(_ value: String, revision: Int64) throws(EtcdError) {
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [EtcdRecipes.createRevision(key, equals: revision)]
        txn.success = [EtcdRecipes.put(key, value, lease: session.leaseID)]
        guard try client.txn(txn, timeout: .unlimited).succeeded else {
            throw EtcdError(code: .unknown, message: "election: not leader")
        }
    }

    /// Deletes the leader key if it is still this campaign's.
    public func resign(revision: Int64) throws(EtcdError) {
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [EtcdRecipes.createRevision(key, equals: revision)]
        txn.success = [EtcdRecipes.delete(key)]
        _ = try client.txn(txn, timeout: .unlimited)
    }

    /// Reports the leader, then every proclamation, then each next leader, until a request
    /// fails (concurrency.Election.Observe). `report` runs on the client's loop thread or the
    /// calling thread, one at a time.
    public static func observe(_ client: EtcdClient, name: String,
                               report: @escaping @Sendable (Etcdserverpb_RangeResponse) -> Void) -> EtcdError {
        let prefix = name + "/"
        while true {
            var current: Etcdserverpb_RangeResponse
            do { current = try client.get(EtcdRecipes.byCreation(prefix, ascending: true), timeout: .unlimited) } catch { return error }
            var announced = Etcdserverpb_RangeResponse()
            if let leader = current.kvs.first {
                announced.header = current.header
                announced.kvs = [leader]
            } else {
                var request = Etcdserverpb_WatchCreateRequest()
                request.key = Data(prefix.utf8)
                request.rangeEnd = KeyPrefix.rangeEnd(request.key)
                request.startRevision = current.header.revision
                guard let first = firstPut(client, request) else { return .canceled }
                announced = first
            }
            report(announced)
            current.header = announced.header
            guard follow(client, leader: announced.kvs[0].key, from: announced.header.revision + 1, base: current, report: report) else {
                return EtcdError(code: .unknown, message: "elect: observer lost")
            }
        }
    }

    /// Waits for the first key put under the watched prefix: the new leader.
    private static func firstPut(_ client: EtcdClient, _ request: Etcdserverpb_WatchCreateRequest) -> Etcdserverpb_RangeResponse? {
        client.blocking { connection, finish in
            let watcher = connection.watch(request)
            watcher.onResponse = { [unowned watcher] response in
                guard let put = response.events.first(where: { $0.type == .put }) else { return }
                var announced = Etcdserverpb_RangeResponse()
                announced.header = response.header
                announced.header.revision = put.kv.modRevision
                announced.kvs = [put.kv]
                finish(announced)
                watcher.cancel()
            }
            watcher.onEnd = { _ in finish(nil) }
        }
    }

    /// Relays the leader key's changes until it is deleted (true) or the watch ends (false).
    private static func follow(_ client: EtcdClient, leader: Data, from revision: Int64, base: Etcdserverpb_RangeResponse,
                               report: @escaping @Sendable (Etcdserverpb_RangeResponse) -> Void) -> Bool {
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = leader
        request.startRevision = revision
        let create = request
        return client.blocking { connection, finish in
            let watcher = connection.watch(create)
            watcher.onResponse = { [unowned watcher] response in
                for event in response.events {
                    if event.type == .delete {
                        finish(true)
                        return watcher.cancel()
                    }
                    var update = base
                    update.header = response.header
                    update.kvs = [event.kv]
                    report(update)
                }
            }
            watcher.onEnd = { _ in finish(false) }
        }
    }
}
