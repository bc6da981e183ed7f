import CLibUV

/// A TCP stream on the loop. Reads are delivered through `onRead` (the buffer is only valid during
/// the call); writes are queued in libuv and counted in `pendingWriteBytes` so that protocols
/// above can apply backpressure. The connection keeps itself alive until it is closed.
public final class TCPConnection {
    public let loop: EventLoop
    private let box: HandleBox
    private var reading = false
    private var closeError: LoopError?
    private var closeWhenFlushed = false

    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    /// Called once, after the handle is closed: nil for an orderly close, else the error.
    public var onClose: ((LoopError?) -> Void)?
    /// Called when `pendingWriteBytes` drops to `writeLowWaterMark` or below after being above it.
    public var onWritable: (() -> Void)?
    public private(set) var pendingWriteBytes = 0
    public var writeLowWaterMark = 64 * 1024
    public private(set) var remoteAddress = "?"
    /// TLS or another byte transformation, if installed (see `ConnectionLayer`).
    public private(set) var layer: ConnectionLayer?

    init(loop: EventLoop) {
        self.loop = loop
        box = HandleBox(uv_tcp_t.self)
        LoopError.mustSucceed(uv_tcp_init(loop.uv, box.pointer(uv_tcp_t.self)), "uv_tcp_init")
        box.owner = self
        box.attach()
        box.onClosed = { [self] in didClose() }
    }

    var stream: UnsafeMutablePointer<uv_stream_t> { box.stream }

    public var isClosed: Bool { box.isClosing }

    /// Connects to host:port; host names are resolved on the threadpool first.
    public static func connect(loop: EventLoop, host: String, port: Int,
                               completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        SocketAddress.resolve(loop: loop, host: host, port: port) { resolved in
            switch resolved {
            case .failure(let error): completion(.failure(error))
            case .success(let address): connect(loop: loop, address: address, completion: completion)
            }
        }
    }

    private static func connect(loop: EventLoop, address: SocketAddress,
                                completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        let connection = TCPConnection(loop: loop)
        connection.remoteAddress = address.description
        let request = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        request.initialize(to: uv_connect_t())
        let pending = PendingConnect(connection: connection, completion: completion)
        request.pointee.data = Unmanaged.passRetained(pending).toOpaque()
        let status = address.withSockaddr { sockaddr in
            uv_tcp_connect(request, connection.box.pointer(uv_tcp_t.self), sockaddr) { request, status in
                let pending = Unmanaged<PendingConnect>.fromOpaque(request!.pointee.data).takeRetainedValue()
                request!.deallocate()
                pending.finish(status: status)
            }
        }
        if status < 0 {
            Unmanaged<PendingConnect>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            connection.close()
            completion(.failure(LoopError(code: status, operation: "connect \(address.description)")))
        }
    }

    private final class PendingConnect {
        let connection: TCPConnection
        let completion: (Result<TCPConnection, LoopError>) -> Void
        init(connection: TCPConnection, completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
            self.connection = connection
            self.completion = completion
        }
        func finish(status: Int32) {
            if status < 0 {
                connection.close()
                completion(.failure(LoopError(code: status, operation: "connect \(connection.remoteAddress)")))
            } else {
                connection.configureAfterOpen()
                completion(.success(connection))
            }
        }
    }

    /// Called by the listener after `uv_accept`, and after a successful connect.
    func configureAfterOpen() {
        uv_tcp_nodelay(box.pointer(uv_tcp_t.self), 1)
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutableBytes(of: &storage) { raw in
            uv_tcp_getpeername(box.pointer(uv_tcp_t.self), raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        if status == 0 { remoteAddress = SocketAddress(storage: storage).description }
    }

    // MARK: reading

    public func startReading() {
        guard !reading, !isClosed else { return }
        reading = true
        let status = uv_read_start(stream, { handle, _, buffer in
            let loop = EventLoop.from(handle!.pointee.loop)
            buffer!.pointee = uv_buf_init(loop.readBuffer.assumingMemoryBound(to: CChar.self),
                                          UInt32(EventLoop.readBufferBytes))
        }, { stream, count, buffer in
            guard let connection = HandleBox.owner(stream!.pointee.data, as: TCPConnection.self) else { return }
            connection.didRead(count: count, base: buffer!.pointee.base)
        })
        if status < 0 { fail(LoopError(code: status, operation: "uv_read_start")) }
    }

    public func pauseReading() {
        guard reading, !isClosed else { return }
        reading = false
        uv_read_stop(stream)
    }

    private func didRead(count: Int, base: UnsafeMutablePointer<CChar>?) {
        if count > 0 {
            let bytes = UnsafeRawBufferPointer(start: base, count: count)
            if let layer { layer.received(bytes) } else { onRead?(bytes) }
        } else if count < 0 {
            let code = Int32(count)
            fail(code == LoopError.endOfFile ? nil : LoopError(code: code, operation: "read"))
        }
    }

    // MARK: writing

    public func write(_ bytes: [UInt8]) {
        write([bytes])
    }

    /// Queues the chunks as one contiguous libuv write (one syscall when the socket is writable),
    /// through the layer when one is installed.
    public func write(_ chunks: [[UInt8]]) {
        guard !isClosed else { return }
        if let layer { layer.send(chunks) } else { writeToSocket(chunks) }
    }

    /// Writes bytes to the socket as they are, bypassing the layer (for the layer itself).
    public func writeToSocket(_ chunks: [[UInt8]]) {
        guard !isClosed else { return }
        var total = 0
        for chunk in chunks { total += chunk.count }
        guard total > 0 else { return }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 1)
        var offset = 0
        for chunk in chunks {
            chunk.withUnsafeBytes { source in
                (memory + offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
            }
            offset += chunk.count
        }
        submitWrite(memory: memory, count: total)
    }

    private func submitWrite(memory: UnsafeMutableRawPointer, count: Int) {
        let request = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
        request.initialize(to: uv_write_t())
        request.pointee.data = Unmanaged.passRetained(PendingWrite(connection: self, memory: memory, count: count)).toOpaque()
        var buffer = uv_buf_init(memory.assumingMemoryBound(to: CChar.self), UInt32(count))
        let status = uv_write(request, stream, &buffer, 1) { request, status in
            let pending = Unmanaged<PendingWrite>.fromOpaque(request!.pointee.data).takeRetainedValue()
            request!.deallocate()
            pending.memory.deallocate()
            pending.connection.didWrite(count: pending.count, status: status)
        }
        if status < 0 {
            Unmanaged<PendingWrite>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            memory.deallocate()
            fail(LoopError(code: status, operation: "write"))
            return
        }
        pendingWriteBytes += count
    }

    private final class PendingWrite {
        let connection: TCPConnection
        let memory: UnsafeMutableRawPointer
        let count: Int
        init(connection: TCPConnection, memory: UnsafeMutableRawPointer, count: Int) {
            self.connection = connection
            self.memory = memory
            self.count = count
        }
    }

    private func didWrite(count: Int, status: Int32) {
        let before = pendingWriteBytes
        pendingWriteBytes -= count
        if status < 0 {
            if status != LoopError.canceled { fail(LoopError(code: status, operation: "write")) }
            return
        }
        if closeWhenFlushed && pendingWriteBytes == 0 {
            close()
            return
        }
        if before > writeLowWaterMark && pendingWriteBytes <= writeLowWaterMark && !isClosed {
            onWritable?()
        }
    }

    // MARK: closing

    /// Closes now; queued writes are cancelled.
    public func close() {
        box.close()
    }

    /// Closes once every queued write has reached the kernel (e.g. after a final response).
    public func closeAfterPendingWrites() {
        guard !isClosed, !closeWhenFlushed else { return }
        layer?.closing()
        if pendingWriteBytes == 0 { close() } else { closeWhenFlushed = true }
    }

    // MARK: layers

    /// Installs a layer (TLS) before the protocol starts reading or writing.
    public func install(_ layer: ConnectionLayer) {
        precondition(self.layer == nil, "a connection has at most one layer")
        self.layer = layer
    }

    /// Hands bytes the layer decoded to the protocol (`onRead`).
    public func deliver(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed else { return }
        onRead?(bytes)
    }

    /// The common name of the peer's verified certificate (TLS with client certificates).
    public var peerCommonName: String? { layer?.peerCommonName }

    /// Closes because of an error in a layer (a failed TLS handshake) once the bytes already
    /// queued (the layer's alert) are written; `onClose` gets `error`.
    public func abort(_ error: LoopError) {
        guard !isClosed else { return }
        if closeError == nil { closeError = error }
        onRead = nil
        if pendingWriteBytes == 0 { close() } else { closeWhenFlushed = true }
    }

    private func fail(_ error: LoopError?) {
        if closeError == nil { closeError = error }
        close()
    }

    private func didClose() {
        let callback = onClose
        let error = closeError
        onClose = nil
        onRead = nil
        onWritable = nil
        layer = nil  // the layer may refer back to this connection
        callback?(error)
    }
}
