import GRPC

/// A failed etcd request: the gRPC code and etcd's message ("etcdserver: key is not provided").
public struct EtcdError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: GRPCStatus.Code
    public var message: String
    /// True when the request never reached a server (no endpoint could be connected).
    public var neverConnected: Bool
    /// Why the last connect attempt failed, when `neverConnected`.
    public var lastConnectError: String?

    public init(code: GRPCStatus.Code, message: String, neverConnected: Bool = false) {
        self.code = code
        self.message = message
        self.neverConnected = neverConnected
    }

    init(_ status: GRPCStatus) {
        self.init(code: status.code, message: status.message)
    }

    /// The request's own deadline passed (clientv3 reports the context's error).
    public static func deadlineExceeded(neverConnected: Bool = false, lastConnectError: String? = nil) -> EtcdError {
        var error = EtcdError(code: .deadlineExceeded, message: "context deadline exceeded", neverConnected: neverConnected)
        error.lastConnectError = lastConnectError
        return error
    }

    /// grpc-go's rendering of the status itself ("rpc error: code = NotFound desc = ...").
    public var statusDescription: String { "rpc error: code = \(code) desc = \(message)" }

    /// The client was closed while the request was pending.
    public static let canceled = EtcdError(code: .cancelled, message: "context canceled")

    /// Whether this is one of etcd's own errors (clientv3 prints those without the gRPC prefix).
    public var isServerError: Bool {
        // etcd's auth store errors ("auth: ...") reach clients unconverted only where etcd forgot
        // to convert them (maintenance calls), and clientv3 prints those as plain gRPC errors.
        message.hasPrefix("etcdserver: ") || message.hasPrefix("mvcc: ")
    }

    /// How clientv3 renders the error: etcd's message alone, the context error alone, or
    /// grpc-go's "rpc error: code = X desc = Y".
    public var description: String {
        if isServerError { return message }
        if (code == .deadlineExceeded && message == "context deadline exceeded")
            || (code == .cancelled && message == "context canceled") {
            return message
        }
        return "rpc error: code = \(code) desc = \(message)"
    }
}
