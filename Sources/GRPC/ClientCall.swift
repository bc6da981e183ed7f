import EventLoop

/// The client side of one gRPC call (one HTTP/2 stream).
final class ClientCall {
    let streamID: Int32
    private weak var session: H2Session?
    private var deframer: MessageDeframer
    private var responseHeaders: [(String, String)]?
    private var trailers: [(String, String)]?
    private(set) var finished = false
    var timer: LoopTimer?

    var onMessageBytes: (([UInt8]) -> Void)?
    var onFinish: ((GRPCStatus) -> Void)?
    var onWritable: (() -> Void)?

    init(streamID: Int32, session: H2Session, maxMessageBytes: Int) {
        self.streamID = streamID
        self.session = session
        deframer = MessageDeframer(maxMessageBytes: maxMessageBytes)
    }

    // MARK: input

    func receiveHeaders(_ block: [(String, String)]) {
        if responseHeaders == nil { responseHeaders = block } else { trailers = block }
    }

    func receive(_ bytes: [UInt8]) {
        guard !finished else { return }
        deframer.append(bytes)
        do {
            while let message = try deframer.next() {
                onMessageBytes?(message)
                if finished { return }
            }
        } catch {
            cancel(with: error)
        }
    }

    /// The stream closed: the status comes from the trailers (or a trailers-only response),
    /// else from the reset code.
    func streamDidClose(errorCode: UInt32) {
        finish(ClientCall.status(trailers: trailers, headers: responseHeaders, resetCode: errorCode))
    }

    static func status(trailers: [(String, String)]?, headers: [(String, String)]?, resetCode: UInt32) -> GRPCStatus {
        for block in [trailers, headers] {
            guard let block, let codeText = block.first(where: { $0.0 == "grpc-status" })?.1 else { continue }
            let code = Int(codeText).flatMap(GRPCStatus.Code.init(rawValue:)) ?? .unknown
            let message = block.first { $0.0 == "grpc-message" }.map { GRPCMessageEncoding.decode($0.1) } ?? ""
            return GRPCStatus(code, message)
        }
        if resetCode != H2Error.noErrorCode { return H2Error.status(forResetCode: resetCode) }
        if let status = headers?.first(where: { $0.0 == ":status" })?.1, status != "200" {
            return GRPCStatus(.unknown, "unexpected HTTP status code received from server: \(status)")
        }
        return GRPCStatus(.internalError, "server closed the stream without sending trailers")
    }

    // MARK: output

    static let maxQueuedMessages = 1024
    static let maxQueuedBytes = 8 << 20

    func send(_ payload: [UInt8]) -> Bool {
        guard !finished, let session else { return false }
        let backlog = session.outboundBacklog(streamID)
        if backlog.messages >= ClientCall.maxQueuedMessages || backlog.bytes >= ClientCall.maxQueuedBytes {
            session.requestWritableNotification(streamID)
            return false
        }
        session.enqueue(streamID, MessageFraming.frame(payload))
        return true
    }

    func closeSend() {
        guard !finished else { return }
        session?.finishOutbound(streamID, trailers: nil)
    }

    /// Ends the call locally with `status` and resets the stream (deadline, cancel, bad input).
    func cancel(with status: GRPCStatus) {
        guard !finished else { return }
        session?.resetStream(streamID, code: H2Error.cancelCode)
        finish(status)
    }

    func finish(_ status: GRPCStatus) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        timer = nil
        let callback = onFinish
        onFinish = nil
        onMessageBytes = nil
        onWritable = nil
        callback?(status)
    }
}
