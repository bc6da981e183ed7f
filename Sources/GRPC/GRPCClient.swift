import EventLoop
import SwiftProtobuf
import TLS

/// A gRPC client connection (one HTTP/2 connection, many concurrent calls). Loop thread only.
public final class GRPCClient: H2SessionDelegate {
    public let loop: EventLoop
    let session: H2Session
    private let authority: String
    private let scheme: String
    private var calls: [Int32: ClientCall] = [:]
    private var closedByUser = false
    /// Largest response message accepted.
    public var maxReceiveMessageBytes = 64 << 20

    init(connection: TCPConnection, authority: String, secure: Bool = false) throws(H2Error) {
        loop = connection.loop
        self.authority = authority
        scheme = secure ? "https" : "http"
        session = try H2Session(connection: connection, isServer: false)
        session.delegate = self
    }

    /// Connects over TCP, or over TLS when `tls` is a client context (ALPN "h2"; the handshake
    /// completes, certificate checked, before `completion` gets the client).
    public static func connect(loop: EventLoop, host: String, port: Int, tls: TLSContext? = nil,
                               completion: @escaping (Result<GRPCClient, GRPCStatus>) -> Void) {
        let opened = { (result: Result<TCPConnection, any Error>) in
            switch result {
            case .failure(let error):
                completion(.failure(GRPCStatus(.unavailable, "connection error: \(error)")))
            case .success(let connection):
                do {
                    let client = try GRPCClient(connection: connection, authority: "\(host):\(port)", secure: tls != nil)
                    connection.startReading()
                    completion(.success(client))
                } catch {
                    connection.close()
                    completion(.failure(GRPCStatus(.internalError, "\(error)")))
                }
            }
        }
        if let tls {
            tls.connect(loop: loop, host: host, port: port) { opened($0.mapError { $0 as any Error }) }
        } else {
            TCPConnection.connect(loop: loop, host: host, port: port) { opened($0.mapError { $0 as any Error }) }
        }
    }

    public var isClosed: Bool { session.isClosed || session.connection.isClosed }

    /// Closes the connection; calls in flight end with CANCELLED.
    public func close() {
        closedByUser = true
        session.close()
    }

    // MARK: calls

    public func unary<Req: SwiftProtobuf.Message, Resp: SwiftProtobuf.Message>(
        _ path: String, _ request: Req, timeoutMilliseconds: UInt64? = nil, metadata: [(String, String)] = [],
        completion: @escaping (Result<Resp, GRPCStatus>) -> Void
    ) {
        let payload: [UInt8]
        do { payload = try request.serializedBytes() } catch {
            completion(.failure(GRPCStatus(.internalError, "grpc: error while marshaling: \(error)")))
            return
        }
        unaryRaw(path, payload, timeoutMilliseconds: timeoutMilliseconds, metadata: metadata) { result in
            completion(result.flatMap { bytes in
                do { return .success(try Resp(serializedBytes: bytes)) } catch {
                    return .failure(GRPCStatus(.internalError, "grpc: failed to unmarshal the received message: \(error)"))
                }
            })
        }
    }

    /// A unary call with an already-serialized request and response.
    public func unaryRaw(_ path: String, _ payload: [UInt8], timeoutMilliseconds: UInt64? = nil,
                         metadata: [(String, String)] = [],
                         completion: @escaping (Result<[UInt8], GRPCStatus>) -> Void) {
        let call: ClientCall
        switch startCall(path, metadata: metadata, timeoutMilliseconds: timeoutMilliseconds) {
        case .failure(let status):
            completion(.failure(status))
            return
        case .success(let started):
            call = started
        }
        var response: [UInt8]?
        call.onMessageBytes = { bytes in if response == nil { response = bytes } }
        call.onFinish = { status in
            if status.code != .ok { completion(.failure(status)); return }
            if let response { completion(.success(response)) } else {
                completion(.failure(GRPCStatus(.internalError, "grpc: server returned OK without a response message")))
            }
        }
        _ = call.send(payload)
        call.closeSend()
    }

    /// A bidi or server-streaming call. For server-streaming, `send` one request then `closeSend`.
    public func stream<Req: SwiftProtobuf.Message, Resp: SwiftProtobuf.Message>(
        _ path: String, metadata: [(String, String)] = [], timeoutMilliseconds: UInt64? = nil,
        requestType: Req.Type = Req.self, responseType: Resp.Type = Resp.self
    ) -> ClientStream<Req, Resp> {
        switch startCall(path, metadata: metadata, timeoutMilliseconds: timeoutMilliseconds) {
        case .failure(let status):
            return ClientStream(loop: loop, failed: status)
        case .success(let call):
            return ClientStream(loop: loop, call: call)
        }
    }

    private func startCall(_ path: String, metadata: [(String, String)],
                           timeoutMilliseconds: UInt64?) -> Result<ClientCall, GRPCStatus> {
        guard !isClosed else { return .failure(GRPCStatus(.unavailable, "transport is closing")) }
        var headers = [(":method", "POST"), (":scheme", scheme), (":path", path), (":authority", authority),
                       ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "keel-grpc/1")]
        if let timeoutMilliseconds {
            headers.append(("grpc-timeout", GRPCTimeout.encode(milliseconds: timeoutMilliseconds)))
        }
        for (name, value) in metadata { headers.append((name.lowercased(), value)) }
        let streamID: Int32
        do { streamID = try session.submitRequest(headers: headers) } catch {
            return .failure(GRPCStatus(.unavailable, "\(error)"))
        }
        session.openOutbound(streamID)
        session.scheduleFlush()
        let call = ClientCall(streamID: streamID, session: session, maxMessageBytes: maxReceiveMessageBytes)
        calls[streamID] = call
        if let timeoutMilliseconds {
            call.timer = loop.schedule(afterMilliseconds: timeoutMilliseconds) { [weak call] in
                call?.cancel(with: GRPCStatus(.deadlineExceeded, "context deadline exceeded"))
            }
        }
        return .success(call)
    }

    // MARK: H2SessionDelegate

    func session(_ session: H2Session, handle event: H2Event) {
        switch event {
        case .headers(let streamID, let block):
            calls[streamID]?.receiveHeaders(block)
        case .data(let streamID, let bytes):
            calls[streamID]?.receive(bytes)
        case .endStream:
            break  // the status is taken when the stream closes
        case .closed(let streamID, let code):
            calls.removeValue(forKey: streamID)?.streamDidClose(errorCode: code)
        case .writable(let streamID):
            calls[streamID]?.onWritable?()
        case .pingAck:
            break
        }
    }

    func sessionDidClose(_ session: H2Session) {
        let open = calls
        calls.removeAll()
        let status = closedByUser ? GRPCStatus(.cancelled, "grpc: the client connection is closing")
                                  : GRPCStatus(.unavailable, "transport is closing")
        for streamID in open.keys.sorted() { open[streamID]?.finish(status) }
    }
}
