import EtcdAPI
import GRPC
import KVStore
import Raft
import SwiftProtobuf

/// etcdserverpb.Cluster: MemberAdd, MemberRemove, MemberUpdate, MemberPromote and MemberList,
/// with etcd 3.4's checks and errors (see EtcdMember+Membership.swift).
struct ClusterService {
    let member: EtcdMember

    func register(on server: ServiceRegistry) {
        server.unary("/etcdserverpb.Cluster/MemberList", gateway: ["/v3/cluster/member/list"]) { (_: Etcdserverpb_MemberListRequest, call: Reply<Etcdserverpb_MemberListResponse>) in
            var response = Etcdserverpb_MemberListResponse()
            response.header = header()
            response.members = members()
            call.respond(response)
        }
        server.unary("/etcdserverpb.Cluster/MemberAdd", gateway: ["/v3/cluster/member/add"]) { (r: Etcdserverpb_MemberAddRequest, call: Reply<Etcdserverpb_MemberAddResponse>) in
            member.addMember(peerURLs: r.peerUrls, isLearner: r.isLearner, timeoutMilliseconds: remaining(call)) { result in
                switch result {
                case .success(let added):
                    var response = Etcdserverpb_MemberAddResponse()
                    response.header = header()
                    response.member = Self.protobuf(added)
                    response.members = members()
                    call.respond(response)
                case .failure(let error):
                    call.fail(error.status)
                }
            }
        }
        server.unary("/etcdserverpb.Cluster/MemberRemove", gateway: ["/v3/cluster/member/remove"]) { (r: Etcdserverpb_MemberRemoveRequest, call: Reply<Etcdserverpb_MemberRemoveResponse>) in
            member.removeMember(NodeID(rawValue: r.id), timeoutMilliseconds: remaining(call)) { result in
                respond(result, call) { var response = Etcdserverpb_MemberRemoveResponse(); response.header = header(); response.members = members(); return response }
            }
        }
        server.unary("/etcdserverpb.Cluster/MemberUpdate", gateway: ["/v3/cluster/member/update"]) { (r: Etcdserverpb_MemberUpdateRequest, call: Reply<Etcdserverpb_MemberUpdateResponse>) in
            member.updateMember(NodeID(rawValue: r.id), peerURLs: r.peerUrls, timeoutMilliseconds: remaining(call)) { result in
                respond(result, call) { var response = Etcdserverpb_MemberUpdateResponse(); response.header = header(); response.members = members(); return response }
            }
        }
        server.unary("/etcdserverpb.Cluster/MemberPromote", gateway: ["/v3/cluster/member/promote"]) { (r: Etcdserverpb_MemberPromoteRequest, call: Reply<Etcdserverpb_MemberPromoteResponse>) in
            promote(r, call)
        }
    }

    /// Only the leader knows whether the learner caught up: a follower forwards the request.
    private func promote(_ r: Etcdserverpb_MemberPromoteRequest, _ call: Reply<Etcdserverpb_MemberPromoteResponse>) {
        guard member.isLeader else {
            member.forwardToLeader("/etcdserverpb.Cluster/MemberPromote", r, timeoutMilliseconds: remaining(call)) {
                (result: Result<Etcdserverpb_MemberPromoteResponse, GRPCStatus>) in
                switch result {
                case .success(let response): call.respond(response)
                case .failure(let status): call.fail(status)
                }
            }
            return
        }
        member.promoteMember(NodeID(rawValue: r.id), timeoutMilliseconds: remaining(call)) { result in
            respond(result, call) { var response = Etcdserverpb_MemberPromoteResponse(); response.header = header(); response.members = members(); return response }
        }
    }

    private func respond<Response: SwiftProtobuf.Message>(_ result: Result<Void, EtcdError>, _ call: Reply<Response>,
                                                         _ make: () -> Response) {
        switch result {
        case .success: call.respond(make())
        case .failure(let error): call.fail(error.status)
        }
    }

    private func remaining<Response>(_ call: Reply<Response>) -> UInt64? {
        call.remainingMilliseconds(now: member.loop.nowMilliseconds)
    }

    /// Cluster RPCs carry no revision in etcd.
    private func header() -> Etcdserverpb_ResponseHeader { member.header(revision: 0) }

    private func members() -> [Etcdserverpb_Member] { member.members.values.sorted { $0.id < $1.id }.map(Self.protobuf) }

    static func protobuf(_ m: Member) -> Etcdserverpb_Member {
        var pb = Etcdserverpb_Member()
        pb.id = m.id.rawValue
        pb.name = m.name
        pb.peerUrls = m.peerURLs
        pb.clientUrls = m.clientURLs
        pb.isLearner = m.isLearner
        return pb
    }
}
