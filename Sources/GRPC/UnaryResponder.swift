import SwiftProtobuf

/// Encodes a response value to bytes (protobuf messages, or raw bytes for `unaryRaw`).
protocol ResponseEncoding {
    static func encode(_ value: Self) throws -> [UInt8]
}

/// The answer side of a unary call. `respond` and `fail` are no-ops once the call was answered,
/// cancelled by the client, timed out, or its connection closed.
public final class UnaryResponder<Resp> {
    let call: ServerCall

    init(call: ServerCall) {
        self.call = call
    }

    /// Request metadata (lowercased names; pseudo-headers excluded).
    public var headers: [(String, String)] { call.headers }

    public func header(_ name: String) -> String? { call.header(name) }

    /// Absolute loop time (EventLoop.nowMilliseconds) from `grpc-timeout`, if the client set one.
    public var deadlineMilliseconds: UInt64? { call.deadlineMilliseconds }

    public var isCancelled: Bool { call.cancelled || (call.streamClosed && !call.finished) }

    /// True once `respond`/`fail` ran or the call ended otherwise.
    public var isDone: Bool { call.isDone }

    /// Client reset, deadline passed, or connection closed before an answer was sent.
    public var onCancel: (() -> Void)? {
        get { call.onCancel }
        set { call.onCancel = newValue }
    }

    public func fail(_ status: GRPCStatus) {
        call.finish(status)
    }
}

extension UnaryResponder where Resp: SwiftProtobuf.Message {
    public func respond(_ response: Resp) {
        guard !call.isDone else { return }
        do {
            call.respond(try response.serializedBytes())
        } catch {
            call.finish(GRPCStatus(.internalError, "grpc: error while marshaling: \(error)"))
        }
    }
}

extension UnaryResponder where Resp == [UInt8] {
    public func respond(_ response: [UInt8]) {
        call.respond(response)
    }
}
