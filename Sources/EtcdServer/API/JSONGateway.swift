import Foundation
import GRPC
import HTTP
import SwiftProtobuf

/// etcd's grpc-gateway: `POST /v3/<service>/<method>` with the request as protobuf JSON, answered
/// with the response as protobuf JSON (original field names, 64-bit integers as strings, bytes
/// as base64). `/v3beta/` and `/v3alpha/` are accepted as aliases, as etcd 3.4 does.
final class JSONGateway {
    private typealias Route = (_ body: [UInt8], _ headers: [(String, String)], _ responder: HTTPResponder, _ deadline: UInt64?) -> Void
    private var routes: [String: Route] = [:]

    func route<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ handler: @escaping (Request, Reply<Response>) -> Void
    ) {
        routes[path] = { body, headers, responder, deadline in
            let request: Request
            do {
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true  // as grpc-gateway does
                request = body.isEmpty ? Request() : try Request(jsonUTF8Bytes: body, options: options)
            } catch {
                return Self.fail(GRPCStatus(code: .invalidArgument, message: "\(error)"), responder)
            }
            handler(request, Reply(deadlineMilliseconds: deadline, metadata: headers, respond: { response in
                var options = JSONEncodingOptions()
                options.preserveProtoFieldNames = true
                let json = (try? response.jsonUTF8Bytes(options: options)) ?? Array("{}".utf8)
                responder.respond(status: 200, headers: [("Content-Type", "application/json")], body: json)
            }, fail: { status in Self.fail(status, responder) }))
        }
    }

    /// True when the request was a gateway path (answered or refused); false to fall through.
    func handle(_ request: HTTPRequest, _ responder: HTTPResponder, nowMilliseconds: UInt64) -> Bool {
        var path = request.path
        for alias in ["/v3beta/", "/v3alpha/"] where path.hasPrefix(alias) {
            path = "/v3/" + path.dropFirst(alias.count)
        }
        guard path.hasPrefix("/v3/") else { return false }
        guard let route = routes[path] else {
            responder.respond(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("Not Found\n".utf8))
            return true
        }
        guard request.method == "POST" else {
            responder.respond(status: 405, headers: [("Content-Type", "text/plain; charset=utf-8")],
                              body: Array("Method Not Allowed\n".utf8))
            return true
        }
        let headers = CertificateIdentity.untrusted(request.headers.map { ($0.0.lowercased(), $0.1) })
        route(request.body, headers, responder, nowMilliseconds + 30_000)
        return true
    }

    /// grpc-gateway's error body and its mapping of gRPC codes to HTTP statuses.
    private static func fail(_ status: GRPCStatus, _ responder: HTTPResponder) {
        var body = "{\"error\":"
        JSONText.appendQuoted(status.message, to: &body)
        body += ",\"message\":"
        JSONText.appendQuoted(status.message, to: &body)
        body += ",\"code\":\(status.code.rawValue)}"
        responder.respond(status: httpStatusCode(status.code), headers: [("Content-Type", "application/json")],
                          body: Array(body.utf8))
    }

    /// A server-streaming or bidi method: the request body holds the client's messages (one or
    /// more JSON objects); the answer streams back line by line.
    func streamRoute<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ handler: @escaping (_ requests: [Request], _ headers: [(String, String)], GatewayStream<Response>) -> Void
    ) {
        routes[path] = { body, headers, responder, _ in
            let requests: [Request]
            do {
                requests = try Self.decodeSequence(body)
            } catch {
                return Self.fail(GRPCStatus(code: .invalidArgument, message: "\(error)"), responder)
            }
            handler(requests, headers, GatewayStream<Response>(responder: responder))
        }
    }

    /// Consecutive JSON objects, as a client writes a request stream into one body.
    private static func decodeSequence<Request: SwiftProtobuf.Message>(_ body: [UInt8]) throws -> [Request] {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        var requests: [Request] = []
        var depth = 0, start: Int?, inString = false, escaped = false
        for (i, byte) in body.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"):
                if depth == 0 { start = i }
                depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0, let s = start {
                    requests.append(try Request(jsonUTF8Bytes: Array(body[s...i]), options: options))
                    start = nil
                }
            default: break
            }
        }
        return requests
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        JSONText.appendQuoted(text, to: &out)
        return out
    }

    static func httpStatusText(_ code: GRPCStatus.Code) -> String {
        switch httpStatusCode(code) {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 412: return "Precondition Failed"
        case 429: return "Too Many Requests"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Internal Server Error"
        }
    }

    static func httpStatusCode(_ code: GRPCStatus.Code) -> Int {
        switch code {
        case .ok: return 200
        case .cancelled: return 408
        case .invalidArgument, .outOfRange, .failedPrecondition: return code == .failedPrecondition ? 412 : 400
        case .deadlineExceeded: return 504
        case .notFound: return 404
        case .alreadyExists, .aborted: return 409
        case .permissionDenied: return 403
        case .unauthenticated: return 401
        case .resourceExhausted: return 429
        case .unimplemented: return 501
        case .unavailable: return 503
        default: return 500
        }
    }
}
