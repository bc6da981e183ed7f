import GRPC
import SwiftProtobuf

/// Registers each unary method once, on the gRPC server and (when it has one) under its
/// grpc-gateway path on the JSON gateway, as etcd's `/v3/...` HTTP API.
final class ServiceRegistry {
    let grpc: GRPCServer
    let gateway: JSONGateway
    /// Checked before every call (with the request; nil for a stream): a status refuses it, as
    /// etcd's interceptors refuse most RPCs on a learner.
    var admission: ((Any?) -> GRPCStatus?)?
    /// The metadata of the stream being opened, valid during `open` only (streams read their
    /// auth token from it). A separate object, so handlers can hold it without holding the
    /// registry (which holds them).
    let opening = OpeningMetadata()
    /// --client-cert-auth: a verified client certificate's common name names the user of
    /// gRPC requests that carry no token (see `CertificateIdentity`).
    var certificateUsers = false

    init(grpc: GRPCServer, gateway: JSONGateway) {
        self.grpc = grpc
        self.gateway = gateway
    }

    /// A unary method, refused by `admission` before its handler runs (see `waitingUnary`,
    /// which this is with nothing to undo when the caller leaves).
    func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, gateway gatewayPaths: [String] = [], _ handler: @escaping (Request, Reply<Response>) -> Void
    ) {
        waitingUnary(path, gateway: gatewayPaths) { request, reply in
            handler(request, reply)
            return nil
        }
    }

    /// A streaming method. `open` gets the outbound stream and returns what to do with each
    /// inbound message and on the client's end; on the gateway the inbound messages are the
    /// request body's JSON objects.
    func stream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, gateway gatewayPath: String? = nil, metadata: @escaping ([(String, String)]) -> GRPCStatus? = { _ in nil },
        _ open: @escaping (any ResponseStream<Response>) -> StreamHandlers<Request>
    ) {
        let opening = self.opening
        grpc.stream(path) { [unowned self] (stream: ServerStream<Request, Response>) in
            if let refusal = admission?(nil) ?? metadata(stream.headers) { return stream.finish(refusal) }
            opening.headers = grpcMetadata(stream.headers, stream.peerCommonName)
            defer { opening.headers = [] }
            let handlers = open(stream)
            stream.onMessage = handlers.onMessage
            stream.onHalfClose = handlers.onClose
            stream.onCancel = handlers.onClose
        }
        guard let gatewayPath else { return }
        gateway.streamRoute(gatewayPath) { [unowned self] (requests: [Request], headers: [(String, String)], stream: GatewayStream<Response>) in
            if let refusal = admission?(nil) { return stream.finish(refusal) }
            opening.headers = CertificateIdentity.untrusted(headers)
            defer { opening.headers = [] }
            let handlers = open(stream)
            stream.onClientClose = handlers.onClose
            for request in requests { handlers.onMessage(request) }
        }
    }
}

extension ServiceRegistry {
    func grpcMetadata(_ headers: [(String, String)], _ commonName: String?) -> [(String, String)] {
        CertificateIdentity.metadata(headers, commonName: commonName, enabled: certificateUsers)
    }
}

/// The request metadata of the stream being opened (see `ServiceRegistry.opening`).
final class OpeningMetadata {
    var headers: [(String, String)] = []
}

/// What a streaming method does with the client's messages and with its end.
struct StreamHandlers<Request> {
    var onMessage: (Request) -> Void
    var onClose: () -> Void
}
