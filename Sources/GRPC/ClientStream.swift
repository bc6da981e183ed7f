import EventLoop
import SwiftProtobuf

/// The client side of a streaming call.
public final class ClientStream<Req: SwiftProtobuf.Message, Resp: SwiftProtobuf.Message> {
    private let call: ClientCall?
    private var finished = false

    /// Each response message, in order.
    public var onMessage: ((Resp) -> Void)?
    /// The final status (once); `.ok` for a normal end.
    public var onFinish: ((GRPCStatus) -> Void)?

    init(loop: EventLoop, call: ClientCall) {
        self.call = call
        call.onMessageBytes = { [unowned self] bytes in
            do { onMessage?(try Resp(serializedBytes: bytes)) } catch {
                call.cancel(with: GRPCStatus(.internalError, "grpc: failed to unmarshal the received message: \(error)"))
            }
        }
        call.onFinish = { [self] status in deliverFinish(status) }
    }

    /// A stream that could not start: reports `status` on the next iteration.
    init(loop: EventLoop, failed status: GRPCStatus) {
        call = nil
        loop.deferToIterationEnd { [self] in deliverFinish(status) }
    }

    private func deliverFinish(_ status: GRPCStatus) {
        guard !finished else { return }
        finished = true
        let callback = onFinish
        onFinish = nil
        onMessage = nil
        callback?(status)
    }

    public var isFinished: Bool { finished }

    /// Queues a request. Returns false, queueing nothing, when the stream ended or its bounded
    /// send queue is full (retry from `onWritable`).
    @discardableResult
    public func send(_ request: Req) -> Bool {
        guard let call, !finished else { return false }
        guard let payload: [UInt8] = try? request.serializedBytes() else { return false }
        return call.send(payload)
    }

    public var onWritable: (() -> Void)? {
        get { call?.onWritable }
        set { call?.onWritable = newValue }
    }

    /// Half-closes: no more requests (END_STREAM after what is queued).
    public func closeSend() {
        call?.closeSend()
    }

    /// Resets the stream; `onFinish` gets CANCELLED.
    public func cancel() {
        call?.cancel(with: GRPCStatus(.cancelled, "context canceled"))
    }
}
