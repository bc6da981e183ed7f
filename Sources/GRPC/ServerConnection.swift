import EventLoop

/// One client connection of a GRPCServer: routes HTTP/2 streams to calls.
final class ServerConnection: H2SessionDelegate {
    private weak var server: GRPCServer?
    let session: H2Session
    private var calls: [Int32: ServerCall] = [:]
    private var keepaliveTimer: LoopTimer?
    private var pingTimeout: LoopTimer?

    init(server: GRPCServer, connection: TCPConnection) throws(H2Error) {
        self.server = server
        session = try H2Session(connection: connection, isServer: true,
                                maxConcurrentStreams: server.maxConcurrentStreams)
        session.delegate = self
        if let interval = server.keepaliveIntervalMilliseconds {
            startKeepalive(interval: interval, timeout: server.keepaliveTimeoutMilliseconds)
        }
    }

    /// etcd's --grpc-keepalive-interval/-timeout: PING an idle-or-not client every interval and
    /// drop the connection when the ACK does not come back in time.
    private func startKeepalive(interval: UInt64, timeout: UInt64) {
        keepaliveTimer = session.loop.scheduleRepeating(everyMilliseconds: interval) { [weak self] in
            guard let self, pingTimeout == nil else { return }
            session.sendPing()
            pingTimeout = session.loop.schedule(afterMilliseconds: timeout) { [weak self] in
                self?.session.close()
            }
        }
    }

    func session(_ session: H2Session, handle event: H2Event) {
        switch event {
        case .headers(let streamID, let block):
            if calls[streamID] == nil { open(streamID, block) }  // a second block is client trailers
        case .data(let streamID, let bytes):
            calls[streamID]?.receive(bytes)
        case .endStream(let streamID):
            calls[streamID]?.receiveHalfClose()
        case .closed(let streamID, _):
            calls.removeValue(forKey: streamID)?.streamDidClose()
        case .writable(let streamID):
            calls[streamID]?.onWritable?()
        case .pingAck:
            pingTimeout?.cancel()
            pingTimeout = nil
        }
    }

    func sessionDidClose(_ session: H2Session) {
        keepaliveTimer?.cancel()
        keepaliveTimer = nil
        pingTimeout?.cancel()
        pingTimeout = nil
        let open = calls
        calls.removeAll()
        for streamID in open.keys.sorted() { open[streamID]?.streamDidClose() }
        server?.connectionDidClose(self)
    }

    private func open(_ streamID: Int32, _ block: [(String, String)]) {
        guard let server else { return }
        var path = ""
        var metadata = [(String, String)]()
        metadata.reserveCapacity(block.count)
        for (name, value) in block {
            if name == ":path" { path = value } else if !name.hasPrefix(":") { metadata.append((name, value)) }
        }
        let call = ServerCall(streamID: streamID, path: path, headers: metadata, session: session,
                              maxMessageBytes: server.maxReceiveMessageBytes)
        calls[streamID] = call
        call.onFinish = { [weak server] status in server?.recordHandled(path: path, code: status.code) }
        let route: GRPCServer.Route
        switch server.route(for: path) {
        case .failure(let status):
            call.finish(status)
            return
        case .success(let found):
            route = found
        }
        if let timeout = call.header("grpc-timeout"), let milliseconds = GRPCTimeout.parseMilliseconds(timeout) {
            let loop = session.loop
            call.deadlineMilliseconds = loop.nowMilliseconds + milliseconds
            call.deadlineTimer = loop.schedule(afterMilliseconds: milliseconds) { [weak call] in
                call?.deadlineExpired()
            }
        }
        route(call)
    }

    func shutdown() {
        session.goAwayAndClose()
    }
}
