import EtcdAPI
import Foundation
import GRPC
import KVStore

/// v3electionpb.Election: leader election on the KV store (etcd's v3election, which runs
/// clientv3's concurrency.Election). Candidates put `<name>/<lease hex>` with their value; the
/// oldest key is the leader, and its value is the leader's proclamation.
struct ElectionService {
    let member: EtcdMember

    static let missingLeader = RecipeOps.plainError("\"leader\" field must be provided")
    static let notLeader = RecipeOps.plainError("election: not leader")
    static let noLeader = RecipeOps.plainError("election: no leader")

    func register(on server: ServiceRegistry) {
        server.waitingUnary("/v3electionpb.Election/Campaign", gateway: ["/v3/election/campaign"]) {
            (r: V3electionpb_CampaignRequest, call: Reply<V3electionpb_CampaignResponse>) in
            campaign(r, call)
        }
        server.unary("/v3electionpb.Election/Proclaim", gateway: ["/v3/election/proclaim"]) {
            (r: V3electionpb_ProclaimRequest, call: Reply<V3electionpb_ProclaimResponse>) in
            guard r.hasLeader else { return call.fail(Self.missingLeader) }
            ElectionOps(kv: LocalKV(member: member), deadline: call.deadlineMilliseconds).proclaim(r.leader, r.value) { result in
                switch result {
                case .failure(let error): call.fail(error)
                case .success(let header):
                    var response = V3electionpb_ProclaimResponse()
                    response.header = header
                    call.respond(response)
                }
            }
        }
        server.unary("/v3electionpb.Election/Resign", gateway: ["/v3/election/resign"]) {
            (r: V3electionpb_ResignRequest, call: Reply<V3electionpb_ResignResponse>) in
            guard r.hasLeader else { return call.fail(Self.missingLeader) }
            ElectionOps(kv: LocalKV(member: member), deadline: call.deadlineMilliseconds).resign(r.leader) { result in
                switch result {
                case .failure(let error): call.fail(error)
                case .success(let header):
                    var response = V3electionpb_ResignResponse()
                    response.header = header
                    call.respond(response)
                }
            }
        }
        server.unary("/v3electionpb.Election/Leader", gateway: ["/v3/election/leader"]) {
            (r: V3electionpb_LeaderRequest, call: Reply<V3electionpb_LeaderResponse>) in
            let request = LocalKV.byCreation(r.name + Data("/".utf8), ascending: true)
            LocalKV(member: member).range(request, deadline: call.deadlineMilliseconds) { result in
                switch result {
                case .failure(let error): call.fail(error)
                case .success(let range):
                    guard let leader = range.kvs.first else { return call.fail(Self.noLeader) }
                    var response = V3electionpb_LeaderResponse()
                    response.header = range.header
                    response.kv = leader
                    call.respond(response)
                }
            }
        }
        server.serverStream("/v3electionpb.Election/Observe", gateway: "/v3/election/observe") {
            (r: V3electionpb_LeaderRequest, stream: any ResponseStream<V3electionpb_LeaderResponse>) in
            let observer = ElectionObserver(kv: LocalKV(member: member), prefix: r.name + Data("/".utf8), stream: stream)
            observer.start()
            return { observer.stop() }
        }
    }

    private func campaign(_ r: V3electionpb_CampaignRequest, _ call: Reply<V3electionpb_CampaignResponse>) -> () -> Void {
        let kv = LocalKV(member: member)
        let campaign = ElectionCampaign(ops: ElectionOps(kv: kv, deadline: call.deadlineMilliseconds), name: r.name, value: r.value) { result in
            switch result {
            case .failure(let error): call.fail(error)
            case .success(let (header, leader)):
                var response = V3electionpb_CampaignResponse()
                response.header = header
                response.leader = leader
                call.respond(response)
            }
        }
        SessionLease.resolve(r.lease, kv, deadline: call.deadlineMilliseconds) { result in
            switch result {
            case .failure(let error): call.fail(error)
            case .success(let lease): campaign.start(lease: lease)
            }
        }
        return { campaign.cancel() }
    }
}

/// Proclaim and Resign: both act only while the leader key still has the creation revision
/// the campaign saw, so a stale leader cannot overwrite or delete a successor's key.
struct ElectionOps {
    let kv: LocalKV
    let deadline: UInt64?

    func proclaim(_ leader: V3electionpb_LeaderKey, _ value: Data, _ completion: @escaping LocalKV.Completion<Etcdserverpb_ResponseHeader>) {
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [RecipeOps.createRevision(leader.key, equals: leader.rev)]
        txn.success = [RecipeOps.put(leader.key, value, lease: leader.lease)]
        kv.txn(txn, deadline: deadline) { result in
            completion(result.flatMap { response in
                response.succeeded ? .success(response.header) : .failure(ElectionService.notLeader)
            })
        }
    }

    func resign(_ leader: V3electionpb_LeaderKey, _ completion: @escaping LocalKV.Completion<Etcdserverpb_ResponseHeader>) {
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [RecipeOps.createRevision(leader.key, equals: leader.rev)]
        txn.success = [RecipeOps.delete(leader.key)]
        kv.txn(txn, deadline: deadline) { completion($0.map(\.header)) }
    }
}

/// One Campaign call: enter the queue (or find this lease's earlier entry and update its value),
/// then wait until every older candidate is gone. A canceled wait resigns.
final class ElectionCampaign {
    typealias Completion = LocalKV.Completion<(Etcdserverpb_ResponseHeader, V3electionpb_LeaderKey)>
    private let ops: ElectionOps
    private let name: Data
    private let value: Data
    private var completion: Completion?
    private var waiter: DeletionWaiter?
    private var leader = V3electionpb_LeaderKey()
    private var canceled = false

    init(ops: ElectionOps, name: Data, value: Data, completion: @escaping Completion) {
        self.ops = ops
        self.name = name
        self.value = value
        self.completion = completion
    }

    private var prefix: Data { name + Data("/".utf8) }

    func start(lease: Int64) {
        guard !canceled else { return finish(.failure(DeletionWaiter.canceled)) }
        leader.name = name
        leader.key = SessionLease.key(prefix: prefix, lease: lease)
        leader.lease = lease
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [RecipeOps.createRevision(leader.key, equals: 0)]
        txn.success = [RecipeOps.put(leader.key, value, lease: lease)]
        txn.failure = [RecipeOps.get(leader.key)]
        ops.kv.txn(txn, deadline: ops.deadline) { result in
            switch result {
            case .failure(let error): self.finish(.failure(error))
            case .success(let response): self.entered(response)
            }
        }
    }

    private func entered(_ response: Etcdserverpb_TxnResponse) {
        leader.rev = response.header.revision
        guard !response.succeeded else { return wait(header: response.header) }
        guard let existing = RecipeOps.kvs(response, 0).first else { return finish(.failure(.internalError("campaign key vanished"))) }
        leader.rev = existing.createRevision
        guard existing.value != value else { return wait(header: response.header) }
        ops.proclaim(leader, value) { result in
            switch result {
            case .success: self.wait(header: response.header)
            case .failure(let error): self.ops.resign(self.leader) { _ in self.finish(.failure(error)) }
            }
        }
    }

    private func wait(header: Etcdserverpb_ResponseHeader) {
        guard !canceled else { return ops.resign(leader) { _ in self.finish(.failure(DeletionWaiter.canceled)) } }
        let waiter = DeletionWaiter(kv: ops.kv, prefix: prefix, maxCreateRevision: leader.rev - 1, deadline: ops.deadline) { result in
            switch result {
            case .success: self.finish(.success((header, self.leader)))
            case .failure(let error) where self.canceled || error == DeletionWaiter.deadlineExceeded:
                self.ops.resign(self.leader) { _ in self.finish(.failure(error)) }
            case .failure(let error): self.finish(.failure(error))
            }
        }
        self.waiter = waiter
        waiter.start()
    }

    func cancel() {
        canceled = true
        waiter?.cancel()
    }

    private func finish(_ result: Result<(Etcdserverpb_ResponseHeader, V3electionpb_LeaderKey), EtcdError>) {
        guard let completion else { return }
        self.completion = nil
        waiter = nil
        completion(result)
    }
}
