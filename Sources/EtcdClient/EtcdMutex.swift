import EtcdAPI
import Foundation

/// clientv3/concurrency's Mutex over a session: waiters queue as `<name>/<lease hex>`; the
/// oldest key holds the lock. Blocking.
public struct EtcdMutex: Sendable {
    public let client: EtcdClient
    public let session: EtcdSession
    public let prefix: String

    public init(client: EtcdClient, session: EtcdSession, name: String) {
        self.client = client
        self.session = session
        prefix = name + "/"
    }

    public var key: String { session.key(prefix: prefix) }

    /// Enters the queue; `onQueued` runs once the key is in place (the caller may then have
    /// to give it up on interruption). Returns the header of the request that found the lock
    /// free.
    public func lock(onQueued: () -> Void = {}) throws(EtcdError) -> Etcdserverpb_ResponseHeader {
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [EtcdRecipes.createRevision(key, equals: 0)]
        let owner = EtcdRecipes.get(EtcdRecipes.byCreation(prefix, ascending: true))
        txn.success = [EtcdRecipes.put(key, "", lease: session.leaseID), owner]
        txn.failure = [EtcdRecipes.get(key), owner]
        let response = try client.txn(txn, timeout: .unlimited)
        onQueued()
        var myRevision = response.header.revision
        if !response.succeeded, let mine = EtcdRecipes.kvs(response, 0).first { myRevision = mine.createRevision }
        let holder = EtcdRecipes.kvs(response, 1).first
        if holder == nil || holder?.createRevision == myRevision { return response.header }
        do {
            return try EtcdRecipes.waitDeletes(client, prefix: prefix, maxCreateRevision: myRevision - 1)
        } catch {
            try? unlock()
            throw error
        }
    }

    public func unlock() throws(EtcdError) {
        var request = Etcdserverpb_DeleteRangeRequest()
        request.key = Data(key.utf8)
        _ = try client.delete(request, timeout: .unlimited)
    }
}
