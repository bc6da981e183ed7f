import EtcdAPI
import EtcdClient
import EventLoop
import Glibc

/// `count` connections; connection i starts at endpoint i mod n (as etcd's benchmark dials its
/// connections round-robin), so a multi-endpoint run spreads its load over the cluster.
func makeConnections(_ count: Int, loop: EventLoop, config: EtcdClientConfig) -> [EtcdConnection] {
    let endpoints = config.endpoints
    return (0..<count).map { i in
        var rotated = config
        let first = i % endpoints.count
        rotated.endpoints = Array(endpoints[first...] + endpoints[..<first])
        return EtcdConnection(loop: loop, config: rotated)
    }
}

/// How long a member that accepted the connection may take to answer the first Status call.
let statusGraceMilliseconds: UInt64 = 5000

/// Dials every connection (one Status call each, as etcd's benchmark dials its clients before
/// sending), then calls `ready`. A cluster that cannot be reached within --dial-timeout (plus
/// the Status grace) ends the run with an error instead of a hang.
func connectAll(_ connections: [EtcdConnection], _ ready: @escaping () -> Void) {
    var pending = connections.count
    for connection in connections {
        let timeout = RequestTimeout.milliseconds(connection.config.dialTimeoutMilliseconds + statusGraceMilliseconds)
        connection.call(EtcdRPCs.status, Etcdserverpb_StatusRequest(), timeout: timeout) { result in
            if case .failure(let error) = result {
                fatalBenchmarkError(unreachableMessage(connection.config.endpoints, error))
            }
            pending -= 1
            if pending == 0 { ready() }
        }
    }
}

/// What the user reads when the first call failed: which endpoints, and why.
func unreachableMessage(_ endpoints: [Endpoint], _ error: EtcdError) -> String {
    let list = endpoints.map { "\($0.host):\($0.port)" }.joined(separator: ",")
    if error.neverConnected {
        return "cannot connect to \(list): \(error.lastConnectError ?? error.description)"
    }
    return "\(list) did not answer a Status call: \(error.description)"
}

func fatalBenchmarkError(_ message: String) -> Never {
    writeStderr("Error: \(message)\n")
    exit(1)
}
