import EtcdAPI
import GRPC
import KVStore
import Raft
import SwiftProtobuf

/// Requests a follower cannot answer itself (lease keep-alive, time-to-live and list: only the
/// leader tracks lease expiry) go to the leader's client URL over gRPC, as etcd forwards them to
/// its leader.
extension EtcdMember {
    /// Metadata marking a call one member forwarded to another: the receiver never forwards it
    /// again (two members with different views of the leader must not bounce a call forever).
    static let forwardedHeader = "keel-forwarded-by"

    /// A connection to the current leader, or why there is none.
    func withLeaderClient(_ body: @escaping (Result<GRPCClient, GRPCStatus>) -> Void) {
        guard leader != .none else { return body(.failure(EtcdError.noLeader.status)) }
        guard !isLeader else { return body(.failure(GRPCStatus(.internalError, "the leader does not forward to itself"))) }
        guard let url = members[leader]?.clientURLs.first, let address = PeerAddress(url: url) else {
            // The leader has not published its client URLs yet.
            return body(.failure(EtcdError.noLeader.status))
        }
        leaderClient.client(leader: leader, address: address, body)
    }

    /// Sends a unary request to the leader and hands back its answer.
    func forwardToLeader<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ request: Request, timeoutMilliseconds: UInt64?,
        completion: @escaping (Result<Response, GRPCStatus>) -> Void
    ) {
        let timeout = min(timeoutMilliseconds ?? options.requestTimeoutMilliseconds, options.requestTimeoutMilliseconds)
        withLeaderClient { [memberID] result in
            switch result {
            case .failure(let status):
                completion(.failure(status))
            case .success(let client):
                client.unary(path, request, timeoutMilliseconds: timeout,
                             metadata: [(Self.forwardedHeader, hex(memberID))], completion: completion)
            }
        }
    }
}

/// A follower's LeaseKeepAlive stream, relayed to the leader: each request goes up one shared
/// stream to the leader, each answer comes back down. When the leader's stream ends (the leader
/// changed or went away) the client's stream ends with the same status, and the client opens a
/// new one, as it would with etcd.
final class LeaseKeepAliveRelay {
    typealias Downstream = any ResponseStream<Etcdserverpb_LeaseKeepAliveResponse>
    typealias Upstream = ClientStream<Etcdserverpb_LeaseKeepAliveRequest, Etcdserverpb_LeaseKeepAliveResponse>

    private let member: EtcdMember
    private let downstream: Downstream
    private var upstream: Upstream?
    private var connecting = false
    private var waiting: [Etcdserverpb_LeaseKeepAliveRequest] = []
    private var finished = false
    private var halfClosed = false

    /// Requests queued while the leader stream opens; more are refused.
    static let maxWaiting = 128

    init(member: EtcdMember, downstream: Downstream) {
        self.member = member
        self.downstream = downstream
    }

    func forward(_ request: Etcdserverpb_LeaseKeepAliveRequest) {
        guard !finished else { return }
        if let upstream {
            if !upstream.send(request) { finish(EtcdError.tooManyRequests.status) }
            return
        }
        guard waiting.count < Self.maxWaiting else { return finish(EtcdError.tooManyRequests.status) }
        waiting.append(request)
        guard !connecting else { return }
        connecting = true
        member.withLeaderClient { [self] result in
            connecting = false
            guard !finished else { return }
            switch result {
            case .failure(let status):
                finish(status)
            case .success(let client):
                open(on: client)
            }
        }
    }

    private func open(on client: GRPCClient) {
        let stream: Upstream = client.stream("/etcdserverpb.Lease/LeaseKeepAlive",
                                             metadata: [(EtcdMember.forwardedHeader, hex(member.memberID))])
        upstream = stream
        stream.onMessage = { [weak self] response in
            guard let self, !finished else { return }
            if !downstream.send(response) { finish(EtcdError.tooManyRequests.status) }
        }
        stream.onFinish = { [weak self] status in
            guard let self else { return }
            upstream = nil
            // The leader ending the stream on its own means it is no longer the leader.
            finish(status.code == .ok && !halfClosed ? EtcdError.leaderChanged.status : status)
        }
        let queued = waiting
        waiting.removeAll()
        for request in queued where !stream.send(request) { return finish(EtcdError.tooManyRequests.status) }
        if halfClosed { stream.closeSend() }
    }

    /// The client sends no more, or went away: pass that on, and end the client's stream once
    /// the leader has answered everything (the leader then ends its stream).
    func halfClose() {
        guard !finished, !halfClosed else { return }
        halfClosed = true
        if let upstream { return upstream.closeSend() }
        if !connecting { finish(.ok) }
    }


    private func finish(_ status: GRPCStatus) {
        guard !finished else { return }
        finished = true
        waiting.removeAll()
        let stream = upstream
        upstream = nil
        stream?.cancel()
        downstream.finish(status)
    }
}
