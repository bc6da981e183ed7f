import EventLoop
import TLS

/// The OpenSSL contexts of the peer transport: one server context for https peer listeners,
/// one client context for dialling https peers. Loop thread only.
struct PeerTLS {
    var server: TLSContext?
    var client: TLSContext?

    /// For an https listen address: a function that starts TLS on an accepted connection and
    /// returns false (having closed it) when that fails; nil for plain http.
    func acceptor(for address: PeerAddress, log: Logger) throws -> ((TCPConnection) -> Bool)? {
        guard address.isSecure else { return nil }
        guard let server else {
            throw TLSError("cannot listen on TLS for \(address): KeyFile and CertFile are not presented")
        }
        server.onHandshakeFailure = { remote, reason in
            log.warn("rejected peer connection", ["remote-addr": .string(remote), "error": .string(reason)])
        }
        return { connection in
            do {
                try server.secure(connection)
                return true
            } catch {
                log.warn("rejected peer connection", ["remote-addr": .string(connection.remoteAddress), "error": .string("\(error)")])
                connection.close()
                return false
            }
        }
    }
}

extension EtcdMember {
    /// Builds the TLS contexts for the peer transport and the connection to the leader.
    static func applySecurity(_ security: TransportSecurity, transport: PeerTransport, leaderClient: LeaderClient) throws {
        var peer = PeerTLS()
        if let options = security.peerServer { peer.server = try TLSContext.server(options) }
        if var options = security.peerClient {
            options.alpn = []
            peer.client = try TLSContext.client(options)
        }
        transport.tls = peer
        if var options = security.leaderClient {
            options.alpn = ["h2"]
            leaderClient.tls = try TLSContext.client(options)
        }
    }
}
