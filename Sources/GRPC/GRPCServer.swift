import EventLoop
import SwiftProtobuf

/// A gRPC server on the event loop: register handlers by full method path
/// ("/etcdserverpb.KV/Range"), then `listen` or hand it accepted connections with `serve`.
public final class GRPCServer {
    typealias Route = (ServerCall) -> Void

    let loop: EventLoop
    let maxReceiveMessageBytes: Int
    private var routes: [String: Route] = [:]
    private var streamingPaths: Set<String> = []
    /// Calls finished with a status, by method path and code (Prometheus' grpc_server_handled_total).
    public private(set) var handledCounts: [HandledCall: Int] = [:]
    private var services: Set<String> = []
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var listeners: [TCPListener] = []
    /// SETTINGS_MAX_CONCURRENT_STREAMS announced to clients (grpc-go queues calls beyond it).
    public var maxConcurrentStreams: UInt32 = 1 << 16
    /// Server keepalive (etcd's --grpc-keepalive-interval; nil disables it): a PING to every
    /// client this often, and the connection is closed when its ACK takes longer than
    /// `keepaliveTimeoutMilliseconds` (--grpc-keepalive-timeout). Applies to new connections.
    public var keepaliveIntervalMilliseconds: UInt64?
    public var keepaliveTimeoutMilliseconds: UInt64 = 20_000

    public init(loop: EventLoop, maxReceiveMessageBytes: Int = 2 * 1024 * 1024 + 512 * 1024) {
        self.loop = loop
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
    }

    /// A unary method. The handler may answer later (e.g. after a Raft commit) through the responder.
    public func unary<Req: SwiftProtobuf.Message, Resp: SwiftProtobuf.Message>(
        _ path: String, _ handler: @escaping (Req, UnaryResponder<Resp>) -> Void
    ) {
        register(path) { call in
            let responder = UnaryResponder<Resp>(call: call)
            var delivered = false
            call.onMessageBytes = { [unowned call] bytes in
                guard !delivered else { return }
                delivered = true
                do {
                    handler(try Req(serializedBytes: bytes), responder)
                } catch {
                    call.finish(GRPCStatus(.internalError, "grpc: error unmarshalling request: \(error)"))
                }
            }
            call.onHalfClose = { [unowned call] in
                // grpc-go converts the io.EOF of a missing request message into Unknown "EOF".
                if !delivered { call.finish(GRPCStatus(.unknown, "EOF")) }
            }
        }
    }

    /// A raw-bytes unary method (for proxies and tests that carry no generated types).
    public func unaryRaw(_ path: String, _ handler: @escaping ([UInt8], UnaryResponder<[UInt8]>) -> Void) {
        register(path) { call in
            let responder = UnaryResponder<[UInt8]>(call: call)
            var delivered = false
            call.onMessageBytes = { bytes in
                guard !delivered else { return }
                delivered = true
                handler(bytes, responder)
            }
            call.onHalfClose = { [unowned call] in
                if !delivered { call.finish(GRPCStatus(.unknown, "EOF")) }
            }
        }
    }

    /// A bidi or server-streaming method: the handler runs when the stream opens.
    public func stream<Req: SwiftProtobuf.Message, Resp: SwiftProtobuf.Message>(
        _ path: String, _ handler: @escaping (ServerStream<Req, Resp>) -> Void
    ) {
        streamingPaths.insert(path)
        register(path) { call in
            let stream = ServerStream<Req, Resp>(call: call)
            call.onMessageBytes = { [unowned call] bytes in
                do {
                    let request = try Req(serializedBytes: bytes)
                    stream.onMessage?(request)
                } catch {
                    call.finish(GRPCStatus(.internalError, "grpc: error unmarshalling request: \(error)"))
                }
            }
            call.onStreamGone = { stream.onMessage = nil }
            call.sendHeadersIfNeeded()
            handler(stream)
        }
    }

    func recordHandled(path: String, code: GRPCStatus.Code) {
        guard routes[path] != nil else { return }  // unknown methods are not counted, as in grpc-go's metrics
        handledCounts[HandledCall(path: path, code: code, isStreaming: streamingPaths.contains(path)), default: 0] += 1
    }

    private func register(_ path: String, _ route: @escaping Route) {
        precondition(path.hasPrefix("/") && path.dropFirst().contains("/"), "gRPC path must be /service/method: \(path)")
        routes[path] = route
        services.insert(GRPCServer.split(path).service)
    }

    static func split(_ path: String) -> (service: String, method: String) {
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return (String(trimmed), "") }
        return (String(trimmed[..<slash]), String(trimmed[trimmed.index(after: slash)...]))
    }

    /// The route, or grpc-go's UNIMPLEMENTED status for an unknown service or method.
    func route(for path: String) -> Result<Route, GRPCStatus> {
        if let route = routes[path] { return .success(route) }
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        guard trimmed.contains("/") else {
            // grpc-go's choice of code for this case.
            return .failure(GRPCStatus(.resourceExhausted, "malformed method name: \"\(path)\""))
        }
        let (service, method) = GRPCServer.split(path)
        if !services.contains(service) {
            return .failure(GRPCStatus(.unimplemented, "unknown service \(service)"))
        }
        return .failure(GRPCStatus(.unimplemented, "unknown method \(method) for service \(service)"))
    }

    // MARK: connections

    /// Takes over an accepted connection; `initialBytes` were already read from it (port mux).
    public func serve(_ connection: TCPConnection, initialBytes: [UInt8]) {
        let serverConnection: ServerConnection
        do {
            serverConnection = try ServerConnection(server: self, connection: connection)
        } catch {
            connection.close()
            return
        }
        connections[ObjectIdentifier(serverConnection)] = serverConnection
        if !initialBytes.isEmpty {
            initialBytes.withUnsafeBytes { serverConnection.session.didReceive($0) }
        }
        connection.startReading()
    }

    /// A dedicated gRPC port.
    public func listen(host: String, port: Int) throws -> TCPListener {
        let listener = try TCPListener(loop: loop, host: host, port: port)
        // The listener keeps the server alive until shutdown() closes it.
        listener.onAccept = { [self] connection in serve(connection, initialBytes: []) }
        listeners.append(listener)
        return listener
    }

    func connectionDidClose(_ connection: ServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    /// Number of open client connections.
    public var connectionCount: Int { connections.count }

    /// Stops listening, sends GOAWAY on every connection and closes them once flushed. The
    /// handlers are released (they often capture the server).
    public func shutdown() {
        for listener in listeners { listener.close() }
        listeners.removeAll()
        routes.removeAll()
        for connection in connections.values { connection.shutdown() }
    }
}

/// One row of the handled-calls count: which method, how it ended, and its kind.
public struct HandledCall: Hashable, Sendable {
    public var path: String
    public var code: GRPCStatus.Code
    public var isStreaming: Bool
}
