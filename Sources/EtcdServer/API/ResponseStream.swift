import Foundation
import GRPC
import HTTP
import SwiftProtobuf

/// The sending half of a streaming call, whether it arrived over gRPC or the JSON gateway, so
/// Watch and LeaseKeepAlive serve both with one implementation.
protocol ResponseStream<Response>: AnyObject {
    associatedtype Response
    /// Queues a message; false (nothing queued) when the stream is closed or full: keep the
    /// message and retry after `onWritable`.
    func send(_ response: Response) -> Bool
    func finish(_ status: GRPCStatus)
    var isClosed: Bool { get }
    var onWritable: (() -> Void)? { get set }
}

extension ServerStream: ResponseStream {}

/// A gateway stream: each message is one line `{"result":<message as JSON>}`, as grpc-gateway
/// writes server streams; an error ends it with `{"error":{...}}`.
final class GatewayStream<Response: SwiftProtobuf.Message>: ResponseStream {
    private let responder: HTTPResponder
    private var full = false

    init(responder: HTTPResponder) {
        self.responder = responder
        responder.startStreaming(status: 200, headers: [("Content-Type", "application/json")])
        responder.onWritable = { [weak self] in
            guard let self else { return }
            full = false
            onWritable?()
        }
        responder.onClose = { [weak self] in self?.onClientClose?() }
    }

    var onWritable: (() -> Void)?
    /// The HTTP client went away.
    var onClientClose: (() -> Void)?
    var isClosed: Bool { responder.isClosed }

    func send(_ response: Response) -> Bool {
        guard !isClosed, !full else { return false }
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let json = (try? response.jsonString(options: options)) ?? "{}"
        // The chunk is queued even when the responder asks us to slow down.
        full = !responder.sendChunk(Array("{\"result\":\(json)}\n".utf8))
        return true
    }

    func finish(_ status: GRPCStatus) {
        guard !isClosed else { return }
        if status.code != .ok {
            let error = #"{"error":{"grpc_code":\#(status.code.rawValue),"http_code":\#(JSONGateway.httpStatusCode(status.code)),"message":\#(JSONGateway.quoted(status.message)),"http_status":"\#(JSONGateway.httpStatusText(status.code))"}}"#
            _ = responder.sendChunk(Array((error + "\n").utf8))
        }
        responder.finish()
    }
}
