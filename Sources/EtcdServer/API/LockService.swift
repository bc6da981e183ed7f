import EtcdAPI
import Foundation
import GRPC
import KVStore

/// v3lockpb.Lock: distributed mutexes on the KV store (etcd's v3lock, which runs clientv3's
/// concurrency.Mutex). Each waiter puts `<name>/<lease hex>` under its lease; the key with the
/// lowest creation revision holds the lock; the others wait until every older key is deleted.
struct LockService {
    let member: EtcdMember

    func register(on server: ServiceRegistry) {
        server.waitingUnary("/v3lockpb.Lock/Lock", gateway: ["/v3/lock/lock"]) { (r: V3lockpb_LockRequest, call: Reply<V3lockpb_LockResponse>) in
            lock(r, call)
        }
        server.unary("/v3lockpb.Lock/Unlock", gateway: ["/v3/lock/unlock"]) { (r: V3lockpb_UnlockRequest, call: Reply<V3lockpb_UnlockResponse>) in
            LocalKV(member: member).delete(r.key, deadline: call.deadlineMilliseconds) { result in
                switch result {
                case .failure(let error): call.fail(error)
                case .success(let response):
                    var answer = V3lockpb_UnlockResponse()
                    answer.header = response.header
                    call.respond(answer)
                }
            }
        }
    }

    /// Returns the cancel action for the waiting part.
    private func lock(_ r: V3lockpb_LockRequest, _ call: Reply<V3lockpb_LockResponse>) -> () -> Void {
        let kv = LocalKV(member: member)
        let deadline = call.deadlineMilliseconds
        let attempt = LockAttempt(kv: kv, prefix: r.name + Data("/".utf8), deadline: deadline) { result in
            switch result {
            case .failure(let error): call.fail(error)
            case .success(let (header, key)):
                var response = V3lockpb_LockResponse()
                response.header = header
                response.key = key
                call.respond(response)
            }
        }
        SessionLease.resolve(r.lease, kv, deadline: deadline) { result in
            switch result {
            case .failure(let error): call.fail(error)
            case .success(let lease): attempt.start(lease: lease)
            }
        }
        return { attempt.cancel() }
    }
}

/// One Lock call: enqueue, then wait for the older waiters. On failure while waiting the key is
/// deleted again, so a gone caller never holds the lock.
final class LockAttempt {
    typealias Completion = LocalKV.Completion<(Etcdserverpb_ResponseHeader, Data)>
    private let kv: LocalKV
    private let prefix: Data
    private let deadline: UInt64?
    private var completion: Completion?
    private var waiter: DeletionWaiter?
    private var key = Data()
    private var canceled = false

    init(kv: LocalKV, prefix: Data, deadline: UInt64?, completion: @escaping Completion) {
        self.kv = kv
        self.prefix = prefix
        self.deadline = deadline
        self.completion = completion
    }

    func start(lease: Int64) {
        guard !canceled else { return }
        key = SessionLease.key(prefix: prefix, lease: lease)
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [RecipeOps.createRevision(key, equals: 0)]
        let owner = RecipeOps.get(LocalKV.byCreation(prefix, ascending: true))
        // Enqueue, or find the key this lease already holds (a retry by the same session).
        txn.success = [RecipeOps.put(key, Data(), lease: lease), owner]
        txn.failure = [RecipeOps.get(key), owner]
        kv.txn(txn, deadline: deadline) { result in
            switch result {
            case .failure(let error): self.finish(.failure(error))
            case .success(let response): self.enqueued(response)
            }
        }
    }

    private func enqueued(_ response: Etcdserverpb_TxnResponse) {
        var myRevision = response.header.revision
        if !response.succeeded {
            guard let mine = RecipeOps.kvs(response, 0).first else { return finish(.failure(.internalError("lock key vanished"))) }
            myRevision = mine.createRevision
        }
        let owner = RecipeOps.kvs(response, 1).first
        if owner == nil || owner?.createRevision == myRevision {
            return finish(.success((response.header, key)))
        }
        guard !canceled else { return release(DeletionWaiter.canceled) }
        let waiter = DeletionWaiter(kv: kv, prefix: prefix, maxCreateRevision: myRevision - 1, deadline: deadline) { result in
            switch result {
            case .success(let header): self.acquired(afterWaitAt: header)
            case .failure(let error): self.release(error)
            }
        }
        self.waiter = waiter
        waiter.start()
    }

    /// The older waiters are gone, but the session may have ended while waiting (its lease
    /// expired or was revoked, which deleted our key): only a key that still exists is a held
    /// lock (etcd #11456). The header of that read is the revision the lock is held at.
    private func acquired(afterWaitAt header: Etcdserverpb_ResponseHeader) {
        if Canary.lockWithoutLeaseRecheck.isArmed { return finish(.success((header, key))) }
        var request = Etcdserverpb_RangeRequest()
        request.key = key
        kv.range(request, deadline: deadline) { result in
            switch result {
            case .failure(let error): self.release(error)
            case .success(let response) where response.kvs.isEmpty: self.finish(.failure(LockAttempt.sessionExpired))
            case .success where self.canceled: self.release(DeletionWaiter.canceled)
            case .success(let response): self.finish(.success((response.header, self.key)))
            }
        }
    }

    /// clientv3's concurrency.ErrSessionExpired, which reaches the caller as a plain error.
    static let sessionExpired = RecipeOps.plainError("session expired")

    /// Gives the queue position up (etcd's Unlock after a failed wait), then reports `error`.
    private func release(_ error: EtcdError) {
        kv.delete(key, deadline: nil) { _ in self.finish(.failure(error)) }
    }

    func cancel() {
        canceled = true
        waiter?.cancel()
    }

    private func finish(_ result: Result<(Etcdserverpb_ResponseHeader, Data), EtcdError>) {
        guard let completion else { return }
        self.completion = nil
        waiter = nil
        completion(result)
    }
}
