import EtcdAPI
import Foundation
import KVStore

/// The KV, lease and watch calls the lock and election services make, served by this member
/// itself (etcd's v3lock/v3election use an in-process client the same way): writes go through
/// Raft, reads after a ReadIndex round, watches on the local watch hub. Loop thread only.
struct LocalKV {
    let member: EtcdMember

    typealias Completion<T> = (Result<T, EtcdError>) -> Void

    func txn(_ request: Etcdserverpb_TxnRequest, deadline: UInt64?, _ completion: @escaping Completion<Etcdserverpb_TxnResponse>) {
        var raft = Etcdserverpb_InternalRaftRequest()
        raft.txn = request
        propose(raft, deadline: deadline, completion) { if case .txn(let response) = $0 { return response }; return nil }
    }

    func delete(_ key: Data, deadline: UInt64?, _ completion: @escaping Completion<Etcdserverpb_DeleteRangeResponse>) {
        var raft = Etcdserverpb_InternalRaftRequest()
        raft.deleteRange.key = key
        propose(raft, deadline: deadline, completion) { if case .deleteRange(let response) = $0 { return response }; return nil }
    }

    /// A lease of `ttlSeconds` chosen by the server (concurrency.NewSession without a lease).
    func grantLease(ttlSeconds: Int64, deadline: UInt64?, _ completion: @escaping Completion<Int64>) {
        var raft = Etcdserverpb_InternalRaftRequest()
        raft.leaseGrant.ttl = ttlSeconds
        propose(raft, deadline: deadline, { completion($0.map(\.id)) }) {
            if case .leaseGrant(let response) = $0 { return response }; return nil
        }
    }

    func range(_ request: Etcdserverpb_RangeRequest, deadline: UInt64?, _ completion: @escaping Completion<Etcdserverpb_RangeResponse>) {
        let member = self.member
        member.linearizableRead(timeoutMilliseconds: remaining(deadline)) { result in
            switch result {
            case .failure(let error): completion(.failure(error))
            case .success:
                do throws(EtcdError) {
                    var response = try member.store.range(request)
                    response.header = member.header(revision: response.header.revision)
                    completion(.success(response))
                } catch { completion(.failure(error)) }
            }
        }
    }

    private func propose<Response: HasResponseHeader>(_ request: Etcdserverpb_InternalRaftRequest, deadline: UInt64?,
                                                      _ completion: @escaping Completion<Response>,
                                                      _ extract: @escaping (ApplyResult) -> Response?) {
        let member = self.member
        member.propose(request, timeoutMilliseconds: remaining(deadline)) { result in
            switch result {
            case .success(.failure(let error)), .failure(let error):
                completion(.failure(error))
            case .success(let applied):
                guard var response = extract(applied) else {
                    return completion(.failure(.internalError("unexpected apply result")))
                }
                response.header = member.header(revision: response.header.revision)
                completion(.success(response))
            }
        }
    }

    func remaining(_ deadline: UInt64?) -> UInt64? {
        deadline.map { $0 > member.loop.nowMilliseconds ? $0 - member.loop.nowMilliseconds : 0 }
    }

    /// A range over `prefix` sorted by creation revision, one key (WithFirstCreate/WithLastCreate).
    static func byCreation(_ prefix: Data, ascending: Bool, maxCreateRevision: Int64 = 0) -> Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = prefix
        request.rangeEnd = KeyPrefix.rangeEnd(prefix)
        request.sortTarget = .create
        request.sortOrder = ascending ? .ascend : .descend
        request.limit = 1
        request.maxCreateRevision = maxCreateRevision
        return request
    }
}
