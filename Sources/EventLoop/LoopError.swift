import CLibUV

/// A failed libuv call: the negative status code and the operation that returned it.
/// Every libuv status in Keel is turned into this type here, and only here.
public struct LoopError: Error, Sendable, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libuv's short name for the code, e.g. "ECONNREFUSED".
    public var name: String { String(cString: uv_err_name(code)) }

    public var description: String { "\(operation): \(String(cString: uv_strerror(code))) (\(name))" }

    /// True for the "peer closed the connection" family, which is not worth logging as a failure.
    public var isEndOfStream: Bool {
        code == UV_EOF.rawValue || code == UV_ECONNRESET.rawValue || code == UV_EPIPE.rawValue
    }

    /// Throws when `status` is a libuv error (negative); returns it otherwise.
    @discardableResult
    static func check(_ status: Int32, _ operation: String) throws(LoopError) -> Int32 {
        if status < 0 { throw LoopError(code: status, operation: operation) }
        return status
    }

    /// For calls that can only fail on programmer error (a closed or uninitialised handle).
    static func mustSucceed(_ status: Int32, _ operation: String) {
        precondition(status >= 0, LoopError(code: status, operation: operation).description)
    }

    static let canceled = UV_ECANCELED.rawValue
    static let endOfFile = UV_EOF.rawValue
}
