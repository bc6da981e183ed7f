import EtcdAPI
import GRPC

/// etcdserverpb.Cluster. MemberList serves the membership this member has applied; changes to
/// the membership arrive with the cluster (peer transport) work.
struct ClusterService {
    let member: EtcdMember

    func register(on server: ServiceRegistry) {
        server.unary("/etcdserverpb.Cluster/MemberList", gateway: ["/v3/cluster/member/list"]) { (_: Etcdserverpb_MemberListRequest, call: Reply<Etcdserverpb_MemberListResponse>) in
            var response = Etcdserverpb_MemberListResponse()
            response.header = member.header(revision: 0)  // cluster RPCs carry no revision in etcd
            response.members = member.members.values.sorted { $0.id < $1.id }.map { m in
                var pb = Etcdserverpb_Member()
                pb.id = m.id.rawValue
                pb.name = m.name
                pb.peerUrls = m.peerURLs
                pb.clientUrls = m.clientURLs
                pb.isLearner = m.isLearner
                return pb
            }
            call.respond(response)
        }
    }
}
