import CLibUV

/// A listening TCP socket; each accepted connection is handed to `onAccept` (not yet reading).
public final class TCPListener {
    private let loop: EventLoop
    private let box: HandleBox
    public var onAccept: ((TCPConnection) -> Void)?
    /// The bound port (useful after binding port 0).
    public private(set) var port: Int = 0

    public init(loop: EventLoop, host: String, port: Int, backlog: Int32 = 511) throws(LoopError) {
        self.loop = loop
        let address = try SocketAddress(host: host, port: port)
        box = HandleBox(uv_tcp_t.self)
        let tcp = box.pointer(uv_tcp_t.self)
        try LoopError.check(uv_tcp_init(loop.uv, tcp), "uv_tcp_init")
        box.owner = self
        box.attach()
        // onAccept usually retains the server that owns this listener: drop it on close, also
        // when the loop closes every handle at shutdown.
        box.onClosed = { [self] in onAccept = nil }
        do {
            try LoopError.check(address.withSockaddr { uv_tcp_bind(tcp, $0, 0) }, "bind \(address.description)")
            try LoopError.check(uv_listen(box.stream, backlog) { server, status in
                guard let listener = HandleBox.owner(server!.pointee.data, as: TCPListener.self) else { return }
                listener.acceptOne(status: status)
            }, "listen \(address.description)")
        } catch {
            box.close()
            throw error
        }
        self.port = boundPort()
    }

    private func boundPort() -> Int {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutableBytes(of: &storage) { raw in
            uv_tcp_getsockname(box.pointer(uv_tcp_t.self), raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        return status == 0 ? SocketAddress(storage: storage).port : 0
    }

    private func acceptOne(status: Int32) {
        guard status >= 0 else { return }  // EMFILE and friends: the next connection may succeed
        let connection = TCPConnection(loop: loop)
        if uv_accept(box.stream, connection.stream) < 0 {
            connection.close()
            return
        }
        connection.configureAfterOpen()
        if let onAccept { onAccept(connection) } else { connection.close() }
    }

    public var isClosed: Bool { box.isClosing }

    public func close() {
        onAccept = nil
        box.close()
    }
}
