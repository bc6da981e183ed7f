import EtcdAPI
import GRPC
import KVStore
import SwiftProtobuf

/// etcdserverpb.Lease: Grant and Revoke go through Raft; KeepAlive renews on the leader only
/// (renewals are not replicated, as in etcd); TimeToLive and Leases read the leader's lessor.
struct LeaseService {
    let member: EtcdMember

    func register(on server: ServiceRegistry) {
        server.unary("/etcdserverpb.Lease/LeaseGrant", gateway: ["/v3/lease/grant"]) { (r: Etcdserverpb_LeaseGrantRequest, call: Reply<Etcdserverpb_LeaseGrantResponse>) in
            var request = Etcdserverpb_InternalRaftRequest()
            request.leaseGrant = r
            member.proposeAndRespond(request, call) { if case .leaseGrant(let response) = $0 { return response }; return nil }
        }
        server.unary("/etcdserverpb.Lease/LeaseRevoke", gateway: ["/v3/lease/revoke", "/v3/kv/lease/revoke"]) { (r: Etcdserverpb_LeaseRevokeRequest, call: Reply<Etcdserverpb_LeaseRevokeResponse>) in
            var request = Etcdserverpb_InternalRaftRequest()
            request.leaseRevoke = r
            member.proposeAndRespond(request, call) { if case .leaseRevoke(let response) = $0 { return response }; return nil }
        }
        server.unary("/etcdserverpb.Lease/LeaseTimeToLive", gateway: ["/v3/lease/timetolive", "/v3/kv/lease/timetolive"]) { (r: Etcdserverpb_LeaseTimeToLiveRequest, call: Reply<Etcdserverpb_LeaseTimeToLiveResponse>) in
            whenLeader(call, forwarding: "/etcdserverpb.Lease/LeaseTimeToLive", r) { () throws(EtcdError) in try timeToLive(r) }
        }
        server.unary("/etcdserverpb.Lease/LeaseLeases", gateway: ["/v3/lease/leases", "/v3/kv/lease/leases"]) { (r: Etcdserverpb_LeaseLeasesRequest, call: Reply<Etcdserverpb_LeaseLeasesResponse>) in
            whenLeader(call, forwarding: "/etcdserverpb.Lease/LeaseLeases", r) { () throws(EtcdError) in
                var response = Etcdserverpb_LeaseLeasesResponse()
                response.header = member.header()
                // The lessor lists leases soonest expiry first, as etcd does.
                response.leases = member.store.lessor.leases().map { id in
                    var status = Etcdserverpb_LeaseStatus()
                    status.id = id.rawValue
                    return status
                }
                return response
            }
        }
        // A follower relays keep-alives to the leader, unless another member relayed them here
        // already (seen in the call's metadata, which is read just before the stream opens).
        var openingRelayed = false
        server.stream("/etcdserverpb.Lease/LeaseKeepAlive", gateway: "/v3/lease/keepalive", metadata: { headers in
            openingRelayed = headers.contains { $0.0 == EtcdMember.forwardedHeader }
            return nil
        }) { (stream: any ResponseStream<Etcdserverpb_LeaseKeepAliveResponse>) in
            let relayed = openingRelayed
            openingRelayed = false
            var relay: LeaseKeepAliveRelay?
            return StreamHandlers(onMessage: { (request: Etcdserverpb_LeaseKeepAliveRequest) in
                if let relay { return relay.forward(request) }
                guard !member.isLeader, member.leader != .none, !relayed else { return keepAlive(request, stream) }
                let started = LeaseKeepAliveRelay(member: member, downstream: stream)
                relay = started
                started.forward(request)
            }, onClose: {
                if let relay { return relay.halfClose() }
                stream.finish(GRPCStatus(code: .ok, message: ""))
            })
        }
    }

    private func keepAlive(_ request: Etcdserverpb_LeaseKeepAliveRequest,
                           _ stream: any ResponseStream<Etcdserverpb_LeaseKeepAliveResponse>) {
        guard member.isLeader else {
            return stream.finish(member.leader == .none ? EtcdError.noLeader.status : EtcdError.notLeader.status)
        }
        if member.store.lessor.awaitsRevoke(LeaseID(request.id), nowMilliseconds: member.clock.nowMilliseconds) {
            return keepAliveAfterRevoke(request, stream, deadline: member.loop.nowMilliseconds + Self.revokeWaitMilliseconds)
        }
        var response = Etcdserverpb_LeaseKeepAliveResponse()
        response.id = request.id
        // etcd answers an unknown lease with TTL 0 rather than an error.
        response.ttl = (try? member.store.lessor.renew(LeaseID(request.id), nowMilliseconds: member.clock.nowMilliseconds)) ?? 0
        response.header = member.header()
        if !stream.send(response) {
            stream.finish(EtcdError.tooManyRequests.status)
        }
    }

    /// How long a keep-alive for an expired lease waits for its revoke before the stream ends.
    static let revokeWaitMilliseconds: UInt64 = 10_000

    /// A keep-alive for a lease that expired but whose revoke is still going through Raft is
    /// answered once the revoke is applied (TTL 0). If this member stops leading first, the new
    /// leader owns the lease (it may keep it alive), so the stream ends with the leader error
    /// and the client asks again there. etcd's lessor waits the same way.
    private func keepAliveAfterRevoke(_ request: Etcdserverpb_LeaseKeepAliveRequest,
                                      _ stream: any ResponseStream<Etcdserverpb_LeaseKeepAliveResponse>, deadline: UInt64) {
        _ = member.loop.schedule(afterMilliseconds: 20) { [self] in
            guard !stream.isClosed else { return }
            guard member.isLeader else { return keepAlive(request, stream) }
            guard member.store.lessor.awaitsRevoke(LeaseID(request.id), nowMilliseconds: member.clock.nowMilliseconds) else {
                return keepAlive(request, stream)
            }
            guard member.loop.nowMilliseconds < deadline else { return stream.finish(EtcdError.requestTimedOut.status) }
            keepAliveAfterRevoke(request, stream, deadline: deadline)
        }
    }

    private func timeToLive(_ r: Etcdserverpb_LeaseTimeToLiveRequest) throws(EtcdError) -> Etcdserverpb_LeaseTimeToLiveResponse {
        var response = Etcdserverpb_LeaseTimeToLiveResponse()
        response.header = member.header()
        response.id = r.id
        guard let info = try? member.store.lessor.timeToLive(LeaseID(r.id), keys: r.keys, nowMilliseconds: member.clock.nowMilliseconds) else {
            response.ttl = -1  // etcd reports a missing lease as TTL -1
            return response
        }
        response.ttl = info.remainingTTL
        response.grantedTtl = info.grantedTTL
        response.keys = info.keys
        return response
    }

    /// Answers on the leader; a follower forwards the request to the leader and relays its answer.
    private func whenLeader<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ call: Reply<Response>, forwarding path: String, _ request: Request, _ body: @escaping () throws(EtcdError) -> Response
    ) {
        guard member.isLeader else {
            guard member.leader != .none else { return call.fail(EtcdError.noLeader.status) }
            member.forwardToLeader(path, request, timeoutMilliseconds: call.remainingMilliseconds(now: member.loop.nowMilliseconds)) {
                (result: Result<Response, GRPCStatus>) in
                switch result {
                case .success(let response): call.respond(response)
                case .failure(let status): call.fail(status)
                }
            }
            return
        }
        do throws(EtcdError) { call.respond(try body()) } catch { call.fail(error.status) }
    }
}
