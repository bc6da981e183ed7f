import EventLoop
import TLS

/// A host and port to dial or bind, from a peer URL such as `http://127.0.0.1:2380`.
struct PeerAddress: Equatable, CustomStringConvertible {
    var host: String
    var port: Int
    /// https (or unixs): the connection speaks TLS.
    var isSecure = false

    /// Parses an etcd peer URL; nil for anything that is not `scheme://host:port`.
    init?(url: String) {
        guard let parsed = try? EtcdURL.parse(url), !parsed.isUnix, let port = parsed.port else { return nil }
        host = parsed.host
        self.port = port
        isSecure = parsed.isSecure
    }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    var description: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
}

extension PeerAddress {
    /// Dials the peer: TCP, or TLS with `tls` for an https peer URL.
    func dial(loop: EventLoop, tls: TLSContext?, _ completion: @escaping (Result<TCPConnection, any Error>) -> Void) {
        guard isSecure else {
            return TCPConnection.connect(loop: loop, host: host, port: port) { completion($0.mapError { $0 }) }
        }
        guard let tls else { return completion(.failure(TLSError("no TLS configuration to dial https peer \(self)"))) }
        tls.connect(loop: loop, host: host, port: port) { completion($0.mapError { $0 }) }
    }
}
