import EventLoop
import GRPC
import Raft
import TLS

/// One gRPC connection to the leader's client URL, shared by every request a follower forwards
/// (the lease requests only the leader can answer). A new leader, or a closed connection, means
/// a new connection on next use. Loop thread only.
final class LeaderClient {
    typealias Completion = (Result<GRPCClient, GRPCStatus>) -> Void

    private let loop: EventLoop
    private var current: (leader: NodeID, address: PeerAddress, client: GRPCClient)?
    private var pending: (leader: NodeID, address: PeerAddress, waiters: [Completion])?
    private var closed = false
    /// TLS for a leader whose client URL is https.
    var tls: TLSContext?

    /// Requests waiting for a connection; past this, they fail at once (bounded memory).
    static let maxWaiters = 1024

    init(loop: EventLoop) { self.loop = loop }

    /// Hands `completion` a connection to `leader` at `address`, dialling it if needed.
    func client(leader: NodeID, address: PeerAddress, _ completion: @escaping Completion) {
        guard !closed else { return completion(.failure(GRPCStatus(.unavailable, "etcdserver: server stopped"))) }
        if let current, current.leader == leader, current.address == address, !current.client.isClosed {
            return completion(.success(current.client))
        }
        if let stale = current {
            current = nil
            stale.client.close()
        }
        if var waiting = pending, waiting.leader == leader, waiting.address == address {
            guard waiting.waiters.count < Self.maxWaiters else {
                return completion(.failure(GRPCStatus(.resourceExhausted, "etcdserver: too many requests")))
            }
            waiting.waiters.append(completion)
            pending = waiting
            return
        }
        // A dial to a previous leader may still be under way: its waiters get that connection
        // (or its failure); later requests use the new one.
        pending = (leader, address, [completion])
        GRPCClient.connect(loop: loop, host: address.host, port: address.port, tls: address.isSecure ? tls : nil) { [weak self] result in
            guard let self else {
                if case .success(let client) = result { client.close() }
                return
            }
            let waiters: [Completion]
            if let waiting = pending, waiting.leader == leader, waiting.address == address {
                waiters = waiting.waiters
                pending = nil
            } else {
                waiters = []
            }
            if case .success(let client) = result {
                if closed || waiters.isEmpty { client.close() } else { current = (leader, address, client) }
            }
            for waiter in waiters { waiter(result) }
        }
    }

    func close() {
        closed = true
        current?.client.close()
        current = nil
        let waiters = pending?.waiters ?? []
        pending = nil
        for waiter in waiters { waiter(.failure(GRPCStatus(.unavailable, "etcdserver: server stopped"))) }
    }
}
