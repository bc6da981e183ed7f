import EventLoop
import GRPC
import TLS

extension EtcdServerProcess {
    /// What a client listener does with an accepted connection: straight to the port mux, or
    /// TLS first for an https URL (ALPN h2 for gRPC, http/1.1 for the gateway, then the mux
    /// sorts the decrypted bytes as usual).
    func clientAcceptor(_ listen: Listen, loop: EventLoop, mux: ProtocolMux) throws -> (TCPConnection) -> Void {
        guard listen.secure else { return { mux.accept($0) } }
        guard let serverOptions = options.security.clientServer else {
            throw TLSError("TLS key/cert (--cert-file, --key-file) must be provided for client url https://\(listen.host):\(listen.port) with HTTPS scheme")
        }
        let context = try TLSContext.server(serverOptions)
        context.onHandshakeFailure = { [log] remote, reason in
            log.warn("rejected connection", ["remote-addr": .string(remote), "error": .string(reason)])
        }
        return { connection in
            do {
                try context.secure(connection)
            } catch {
                self.log.warn("rejected connection", ["remote-addr": .string(connection.remoteAddress), "error": .string("\(error)")])
                connection.close()
                return
            }
            mux.accept(connection)
        }
    }
}
