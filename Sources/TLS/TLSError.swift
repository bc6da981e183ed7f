import CLibSSL

/// A TLS failure: bad configuration (a certificate that does not load) or a failed handshake.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `what`, followed by the reasons OpenSSL queued on this thread (the queue is emptied).
    static func openSSL(_ what: String) -> TLSError {
        let reasons = drainReasons()
        return TLSError(reasons.isEmpty ? what : "\(what): \(reasons)")
    }

    /// OpenSSL's queued error reasons ("certificate verify failed"), oldest first, joined.
    static func drainReasons() -> String {
        var reasons: [String] = []
        var budget = 16  // the queue is short; never loop on a misbehaving library
        while budget > 0 {
            budget -= 1
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                reasons.append("OpenSSL error \(code)")
            }
        }
        ERR_clear_error()
        return reasons.joined(separator: "; ")
    }
}
