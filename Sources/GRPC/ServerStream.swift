import SwiftProtobuf

/// The server side of a streaming call (bidi or server-streaming).
public final class ServerStream<Req: SwiftProtobuf.Message, Resp: SwiftProtobuf.Message> {
    let call: ServerCall

    init(call: ServerCall) {
        self.call = call
    }

    /// Request metadata (lowercased names; pseudo-headers excluded).
    public var headers: [(String, String)] { call.headers }

    public func header(_ name: String) -> String? { call.header(name) }

    public var deadlineMilliseconds: UInt64? { call.deadlineMilliseconds }

    /// Each request message, in order.
    public var onMessage: ((Req) -> Void)?

    /// The client finished sending (it still receives until `finish`).
    public var onHalfClose: (() -> Void)? {
        get { call.onHalfClose }
        set { call.onHalfClose = newValue }
    }

    /// Client reset, deadline passed, or connection closed before `finish`.
    public var onCancel: (() -> Void)? {
        get { call.onCancel }
        set { call.onCancel = newValue }
    }

    /// The send queue drained below its low-water mark after `send` returned false.
    public var onWritable: (() -> Void)? {
        get { call.onWritable }
        set { call.onWritable = newValue }
    }

    /// Queues a message. Returns false, queueing nothing, when the stream is closed or its bounded
    /// send queue is full: keep the message and retry from `onWritable`.
    @discardableResult
    public func send(_ response: Resp) -> Bool {
        guard !call.isDone else { return false }
        do {
            return call.send(try response.serializedBytes())
        } catch {
            call.finish(GRPCStatus(.internalError, "grpc: error while marshaling: \(error)"))
            return false
        }
    }

    /// Ends the call with trailers; `.ok` for a normal end.
    public func finish(_ status: GRPCStatus) {
        call.finish(status)
        onMessage = nil
    }

    public var isClosed: Bool { call.isDone }
}
