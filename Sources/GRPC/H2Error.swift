import CNghttp2

/// A failed nghttp2 call. Every nghttp2 return code in Keel becomes this type here.
struct H2Error: Error, CustomStringConvertible {
    let code: Int32
    let operation: String

    var description: String { "\(operation): \(String(cString: nghttp2_strerror(code)))" }

    @discardableResult
    static func check(_ status: Int32, _ operation: String) throws(H2Error) -> Int32 {
        if status < 0 { throw H2Error(code: status, operation: operation) }
        return status
    }

    static func mustSucceed(_ status: Int32, _ operation: String) {
        precondition(status >= 0, H2Error(code: status, operation: operation).description)
    }

    /// How a call ends when its stream is reset by the peer with this HTTP/2 error code
    /// (the mapping of the gRPC over HTTP/2 spec).
    static func status(forResetCode code: UInt32) -> GRPCStatus {
        switch code {
        case NGHTTP2_NO_ERROR.rawValue, NGHTTP2_PROTOCOL_ERROR.rawValue, NGHTTP2_INTERNAL_ERROR.rawValue,
             NGHTTP2_FLOW_CONTROL_ERROR.rawValue, NGHTTP2_FRAME_SIZE_ERROR.rawValue,
             NGHTTP2_COMPRESSION_ERROR.rawValue, NGHTTP2_CONNECT_ERROR.rawValue:
            return GRPCStatus(.internalError, "stream terminated by RST_STREAM with error code: \(code)")
        case NGHTTP2_REFUSED_STREAM.rawValue:
            return GRPCStatus(.unavailable, "stream terminated by RST_STREAM with error code: REFUSED_STREAM")
        case NGHTTP2_CANCEL.rawValue:
            return GRPCStatus(.cancelled, "stream terminated by RST_STREAM with error code: CANCEL")
        case NGHTTP2_ENHANCE_YOUR_CALM.rawValue:
            return GRPCStatus(.resourceExhausted, "stream terminated by RST_STREAM with error code: ENHANCE_YOUR_CALM")
        case NGHTTP2_INADEQUATE_SECURITY.rawValue:
            return GRPCStatus(.permissionDenied, "stream terminated by RST_STREAM with error code: INADEQUATE_SECURITY")
        default:
            return GRPCStatus(.internalError, "stream terminated by RST_STREAM with error code: \(code)")
        }
    }

    static let cancelCode = NGHTTP2_CANCEL.rawValue
    static let noErrorCode = NGHTTP2_NO_ERROR.rawValue
}
