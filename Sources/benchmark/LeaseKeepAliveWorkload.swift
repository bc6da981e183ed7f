import EtcdAPI
import EtcdClient
import GRPC

/// etcd's `lease-keepalive`: every client grants one lease (TTL 100 s) before the clock starts;
/// each request then opens a LeaseKeepAlive stream, sends one keepalive and waits for the answer.
final class LeaseKeepAliveWorkload: Workload {
    private var leases: [Int64] = []
    var name: String { "lease-keepalive" }

    func prepare(clients: Int, connections: [EtcdConnection], done: @escaping (EtcdError?) -> Void) {
        leases = Array(repeating: 0, count: clients)
        var pending = clients
        var failed = false
        for client in 0..<clients {
            var request = Etcdserverpb_LeaseGrantRequest()
            request.ttl = 100
            connections[client % connections.count].call(EtcdRPCs.leaseGrant, request, timeout: .unlimited) { [self] result in
                guard !failed else { return }
                switch result {
                case .failure(let error):
                    failed = true
                    done(error)
                case .success(let response):
                    leases[client] = response.id
                    pending -= 1
                    if pending == 0 { done(nil) }
                }
            }
        }
    }

    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void) {
        let keeper = connection.keepAlive(leaseID: leases[client], once: true)
        var expired = false
        keeper.onResponse = { response in expired = response.ttl <= 0 }
        keeper.onEnd = { error in
            completion(error ?? (expired ? EtcdError(code: .notFound, message: "etcdserver: requested lease not found") : nil))
        }
    }
}
