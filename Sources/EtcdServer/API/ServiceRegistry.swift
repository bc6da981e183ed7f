import GRPC
import SwiftProtobuf

/// Registers each unary method once, on the gRPC server and (when it has one) under its
/// grpc-gateway path on the JSON gateway, as etcd's `/v3/...` HTTP API.
final class ServiceRegistry {
    let grpc: GRPCServer
    let gateway: JSONGateway

    init(grpc: GRPCServer, gateway: JSONGateway) {
        self.grpc = grpc
        self.gateway = gateway
    }

    func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, gateway gatewayPaths: [String] = [], _ handler: @escaping (Request, Reply<Response>) -> Void
    ) {
        grpc.unary(path) { (request: Request, responder: UnaryResponder<Response>) in
            handler(request, Reply(deadlineMilliseconds: responder.deadlineMilliseconds,
                                   respond: { responder.respond($0) }, fail: { responder.fail($0) }))
        }
        for gatewayPath in gatewayPaths { gateway.route(gatewayPath, handler) }
    }

    func stream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ handler: @escaping (ServerStream<Request, Response>) -> Void
    ) {
        grpc.stream(path, handler)
    }
}
