import GRPC
import SwiftProtobuf

extension ServiceRegistry {
    /// A unary method that may wait for a long time (Lock, Campaign): its handler returns what
    /// to do when the gRPC caller goes away before the answer, so the wait stops and what it
    /// left behind is cleaned up. On the gateway the wait ends with the gateway's deadline.
    func waitingUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, gateway gatewayPaths: [String], _ handler: @escaping (Request, Reply<Response>) -> (() -> Void)?
    ) {
        grpc.unary(path) { [unowned self] (request: Request, responder: UnaryResponder<Response>) in
            let reply = Reply<Response>(deadlineMilliseconds: responder.deadlineMilliseconds, metadata: grpcMetadata(responder.headers, responder.peerCommonName),
                                        respond: { responder.respond($0) }, fail: { responder.fail($0) })
            if let refusal = admission?(request) { return reply.fail(refusal) }
            if let cancel = handler(request, reply), !responder.isDone { responder.onCancel = cancel }
        }
        for gatewayPath in gatewayPaths {
            gateway.route(gatewayPath) { [unowned self] (request: Request, reply: Reply<Response>) in
                if let refusal = admission?(request) { return reply.fail(refusal) }
                _ = handler(request, reply)
            }
        }
    }

    /// A server-streaming method that runs until the caller leaves (Observe): `open` returns
    /// what to do then. The client's half-close after its single request does not end it.
    func serverStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, gateway gatewayPath: String,
        _ open: @escaping (Request, any ResponseStream<Response>) -> () -> Void
    ) {
        grpc.stream(path) { [unowned self] (stream: ServerStream<Request, Response>) in
            if let refusal = admission?(nil) { return stream.finish(refusal) }
            var stop: (() -> Void)?
            stream.onMessage = { request in
                guard stop == nil else { return }
                stop = open(request, stream)
            }
            stream.onHalfClose = {
                // grpc-go reports a missing request message as Unknown "EOF".
                if stop == nil { stream.finish(GRPCStatus(.unknown, "EOF")) }
            }
            stream.onCancel = {
                stop?()
                stop = nil
            }
        }
        gateway.streamRoute(gatewayPath) { [unowned self] (requests: [Request], _: [(String, String)], stream: GatewayStream<Response>) in
            if let refusal = admission?(nil) { return stream.finish(refusal) }
            let stop = open(requests.first ?? Request(), stream)
            stream.onClientClose = stop
        }
    }
}
