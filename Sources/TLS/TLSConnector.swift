import EventLoop

/// Why a secure connection could not be made: the TCP connect, or the TLS handshake.
public enum SecureConnectError: Error, CustomStringConvertible {
    case transport(LoopError)
    case handshake(TLSError)

    public var description: String {
        switch self {
        case .transport(let error): return "\(error)"
        case .handshake(let error): return error.message
        }
    }
}

extension TLSContext {
    /// Client side: connects to host:port and completes the TLS handshake (the certificate is
    /// checked against `host`) before handing over the connection, which is then reading.
    public func connect(loop: EventLoop, host: String, port: Int, handshakeTimeoutMilliseconds: UInt64 = 10_000,
                        completion: @escaping (Result<TCPConnection, SecureConnectError>) -> Void) {
        precondition(!isServer, "connect is for client contexts")
        TCPConnection.connect(loop: loop, host: host, port: port) { [self] result in
            switch result {
            case .failure(let error):
                completion(.failure(.transport(error)))
            case .success(let connection):
                handshake(connection, serverName: host, timeoutMilliseconds: handshakeTimeoutMilliseconds, completion: completion)
            }
        }
    }

    private func handshake(_ connection: TCPConnection, serverName: String, timeoutMilliseconds: UInt64,
                           completion: @escaping (Result<TCPConnection, SecureConnectError>) -> Void) {
        let session: TLSSession
        do {
            session = try TLSSession(context: self, connection: connection, serverName: serverName)
        } catch {
            connection.close()
            return completion(.failure(.handshake(error)))
        }
        connection.install(session)
        var finished = false
        let timer = connection.loop.schedule(afterMilliseconds: timeoutMilliseconds) { [weak connection] in
            guard !finished else { return }
            finished = true
            connection?.close()
            completion(.failure(.handshake(TLSError("tls: handshake timed out"))))
        }
        connection.onClose = { error in
            guard !finished else { return }
            finished = true
            timer.cancel()
            completion(.failure(.handshake(TLSError(error.map { $0.operation } ?? "tls: connection closed during the handshake"))))
        }
        session.onHandshake = { [weak connection] error in
            guard !finished else { return }
            finished = true
            timer.cancel()
            guard let connection, error == nil else {
                return completion(.failure(.handshake(error ?? TLSError("tls: connection closed during the handshake"))))
            }
            connection.onClose = nil
            completion(.success(connection))
        }
        connection.startReading()
        session.start()
    }

}
