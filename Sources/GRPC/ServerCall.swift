import EventLoop

/// The server side of one gRPC call (one HTTP/2 stream), shared by unary and streaming calls.
final class ServerCall {
    let streamID: Int32
    let path: String
    let headers: [(String, String)]
    /// The verified client certificate's common name (TLS), taken when the call opens.
    let peerCommonName: String?
    private weak var session: H2Session?
    private var deframer: MessageDeframer
    var deadlineMilliseconds: UInt64?
    var deadlineTimer: LoopTimer?
    private var responseHeadersSent = false
    private(set) var finished = false
    private(set) var cancelled = false
    private(set) var streamClosed = false
    private var inputFailed = false
    private var halfClosed = false

    var onMessageBytes: (([UInt8]) -> Void)?
    var onHalfClose: (() -> Void)?
    var onCancel: (() -> Void)?
    var onWritable: (() -> Void)?
    /// Internal: runs once when the stream is gone, so wrappers can drop user closures (which
    /// often capture the wrapper itself).
    var onStreamGone: (() -> Void)?

    /// Bounded send queue of a streaming call (messages or bytes, whichever fills first).
    static let maxQueuedMessages = 1024
    static let maxQueuedBytes = 8 << 20

    init(streamID: Int32, path: String, headers: [(String, String)], session: H2Session, maxMessageBytes: Int) {
        self.streamID = streamID
        self.path = path
        self.headers = headers
        self.session = session
        peerCommonName = session.connection.peerCommonName
        deframer = MessageDeframer(maxMessageBytes: maxMessageBytes)
        if let encoding = header("grpc-encoding") { deframer.encoding = encoding }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }

    /// Finished, cancelled or closed: nothing more will be sent.
    var isDone: Bool { finished || cancelled || streamClosed }

    // MARK: input

    func receive(_ bytes: [UInt8]) {
        guard !inputFailed, !isDone else { return }
        deframer.append(bytes)
        do {
            while let message = try deframer.next() {
                onMessageBytes?(message)
                if isDone { return }
            }
        } catch {
            inputFailed = true
            finish(error)
        }
    }

    func receiveHalfClose() {
        halfClosed = true
        guard !inputFailed, !isDone else { return }
        if deframer.bufferedBytes > 0 {
            inputFailed = true
            finish(GRPCStatus(.internalError, "grpc: failed to read the whole request message"))
            return
        }
        onHalfClose?()
    }

    // MARK: output

    /// Response headers; for streaming calls they go out when the call opens.
    func sendHeadersIfNeeded() {
        guard !responseHeadersSent, !isDone, let session else { return }
        responseHeadersSent = true
        session.openOutbound(streamID)
        do {
            try session.submitResponse(streamID: streamID, headers: ServerCall.responseHeaders, hasBody: true)
        } catch {
            session.resetStream(streamID, code: H2Error.cancelCode)
        }
    }

    static let responseHeaders = [(":status", "200"), ("content-type", "application/grpc")]

    /// Queues one serialized message. Returns false (and queues nothing) when the call is done or
    /// its send queue is full; `onWritable` fires once the queue has drained.
    func send(_ payload: [UInt8]) -> Bool {
        guard !isDone, let session else { return false }
        sendHeadersIfNeeded()
        let backlog = session.outboundBacklog(streamID)
        if backlog.messages >= ServerCall.maxQueuedMessages || backlog.bytes >= ServerCall.maxQueuedBytes {
            session.requestWritableNotification(streamID)
            return false
        }
        session.enqueue(streamID, MessageFraming.frame(payload))
        return true
    }

    /// Unary success: headers, the message and OK trailers, written together in one flush.
    func respond(_ payload: [UInt8]) {
        guard !isDone, let session else { return }
        sendHeadersIfNeeded()
        session.enqueue(streamID, MessageFraming.frame(payload))
        finish(.ok)
    }

    /// Told how the call ended (for metrics).
    var onFinish: ((GRPCStatus) -> Void)?

    func finish(_ status: GRPCStatus) {
        guard !isDone, let session else { return }
        finished = true
        onFinish?(status)
        onFinish = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        if !halfClosed { session.resetAfterEndStream(streamID) }
        let statusFields = [("grpc-status", String(status.code.rawValue)),
                            ("grpc-message", GRPCMessageEncoding.encode(status.message))]
        if responseHeadersSent {
            session.finishOutbound(streamID, trailers: statusFields)
        } else {
            // Trailers-only: one header block that ends the stream.
            session.submitHeadersOnly(streamID, headers: ServerCall.responseHeaders + statusFields)
        }
    }

    // MARK: ending

    func deadlineExpired() {
        deadlineTimer = nil
        guard !isDone else { return }
        finish(GRPCStatus(.deadlineExceeded, "context deadline exceeded"))
        cancel()
    }

    /// The stream is gone (peer reset, both sides ended, or connection closed).
    func streamDidClose() {
        guard !streamClosed else { return }
        let wasDone = finished || cancelled
        streamClosed = true
        deadlineTimer?.cancel()
        deadlineTimer = nil
        if !wasDone {
            cancelled = true
            onCancel?()
        }
        releaseCallbacks()
    }

    private func cancel() {
        guard !cancelled else { return }
        cancelled = true
        onCancel?()
    }

    private func releaseCallbacks() {
        onMessageBytes = nil
        onHalfClose = nil
        onCancel = nil
        onWritable = nil
        let gone = onStreamGone
        onStreamGone = nil
        gone?()
    }
}
