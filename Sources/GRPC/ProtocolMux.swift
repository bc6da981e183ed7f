import EventLoop

/// Serves gRPC and HTTP/1.1 on one port, like etcd's client port: a connection whose first 24
/// bytes are the HTTP/2 client preface goes to the GRPCServer, anything else to `http`.
public final class ProtocolMux {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let loop: EventLoop
    private let grpc: GRPCServer
    private let http: (TCPConnection, [UInt8]) -> Void

    public init(loop: EventLoop, grpc: GRPCServer, http: @escaping (TCPConnection, [UInt8]) -> Void) {
        self.loop = loop
        self.grpc = grpc
        self.http = http
    }

    public func accept(_ connection: TCPConnection) {
        var received = [UInt8]()
        connection.onRead = { [weak self, unowned connection] bytes in
            received.append(contentsOf: bytes)
            let compared = min(received.count, ProtocolMux.preface.count)
            let matches = received[0..<compared].elementsEqual(ProtocolMux.preface[0..<compared])
            if matches && received.count < ProtocolMux.preface.count { return }  // need more bytes
            connection.onRead = nil
            guard let self else { connection.close(); return }
            if matches { self.grpc.serve(connection, initialBytes: received) } else { self.http(connection, received) }
        }
        connection.startReading()
    }

    /// Listens on host:port and sorts every accepted connection.
    public func listen(host: String, port: Int) throws -> TCPListener {
        let listener = try TCPListener(loop: loop, host: host, port: port)
        // The listener keeps the mux (and its servers) alive until it is closed.
        listener.onAccept = { [self] connection in accept(connection) }
        return listener
    }
}
