/// A gRPC status: the code and message carried in `grpc-status` / `grpc-message`.
public struct GRPCStatus: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public init(code: Code, message: String = "") {
        self.init(code, message)
    }

    public static let ok = GRPCStatus(.ok)

    public var description: String { "rpc error: code = \(code) desc = \(message)" }

    public enum Code: Int, Sendable, CustomStringConvertible {
        case ok = 0, cancelled, unknown, invalidArgument, deadlineExceeded, notFound,
             alreadyExists, permissionDenied, resourceExhausted, failedPrecondition, aborted, outOfRange,
             unimplemented, internalError, unavailable, dataLoss, unauthenticated

        /// grpc-go's spelling (codes.Code.String()), as etcdctl prints it.
        public var description: String {
            switch self {
            case .ok: "OK"
            case .cancelled: "Canceled"
            case .unknown: "Unknown"
            case .invalidArgument: "InvalidArgument"
            case .deadlineExceeded: "DeadlineExceeded"
            case .notFound: "NotFound"
            case .alreadyExists: "AlreadyExists"
            case .permissionDenied: "PermissionDenied"
            case .resourceExhausted: "ResourceExhausted"
            case .failedPrecondition: "FailedPrecondition"
            case .aborted: "Aborted"
            case .outOfRange: "OutOfRange"
            case .unimplemented: "Unimplemented"
            case .internalError: "Internal"
            case .unavailable: "Unavailable"
            case .dataLoss: "DataLoss"
            case .unauthenticated: "Unauthenticated"
            }
        }
    }
}

/// Percent-encoding of `grpc-message` (gRPC over HTTP/2 spec: bytes outside 0x20...0x7E, and
/// '%', are sent as %XX).
enum GRPCMessageEncoding {
    static func encode(_ message: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(message.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in message.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
