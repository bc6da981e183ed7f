import EtcdAPI
import EventLoop
import GRPC
import SwiftProtobuf

/// The callback API of the etcd client, for code running on an `EventLoop` (the orchestrator).
/// Every method must be called on the loop thread, and every callback runs there.
public final class EtcdConnection {
    public let loop: EventLoop
    public let config: EtcdClientConfig
    let connector: EndpointConnector
    /// Metadata sent with every call (etcd reads `hasleader`, `token`).
    public var metadata: [(String, String)] = []
    /// True once the configured user authenticated (or the server said auth is off).
    var authenticated = false
    /// Watches and keepalives in progress: kept alive here until they end, so callers may
    /// drop their handle.
    private var running: [ObjectIdentifier: AnyObject] = [:]

    public init(loop: EventLoop, config: EtcdClientConfig) {
        self.loop = loop
        self.config = config
        connector = EndpointConnector(loop: loop, config: config)
    }

    /// The endpoint currently used (or tried next).
    public var currentEndpoint: Endpoint { connector.currentEndpoint }
    /// Why the last connect attempt failed, when it did.
    public var lastConnectError: String? { connector.lastConnectError }

    /// Closes the connection; pending requests fail with `EtcdError.canceled`.
    public func close() {
        connector.close()
        running.removeAll()
    }

    func retain(_ object: AnyObject) { running[ObjectIdentifier(object)] = object }
    func release(_ object: AnyObject) { running.removeValue(forKey: ObjectIdentifier(object)) }

    /// A deadline in loop milliseconds, `timeoutMilliseconds` from now.
    func deadline(after timeoutMilliseconds: UInt64?) -> UInt64? {
        timeoutMilliseconds.map { loop.nowMilliseconds + $0 }
    }

    /// Sends one unary request; safe requests are retried on the next endpoint after a
    /// transport failure, within the same deadline.
    public func call<Req, Resp>(_ rpc: EtcdRPC<Req, Resp>, _ request: Req, timeout: RequestTimeout = .configured,
                                completion: @escaping (Result<Resp, EtcdError>) -> Void) {
        let deadline = deadline(after: milliseconds(timeout))
        // A client with credentials gets its first token before its first call.
        guard !needsToken || rpc.path == EtcdRPCs.authenticate.path else {
            return refreshToken(deadline: deadline) { [weak self] result in
                guard let self else { return completion(.failure(.canceled)) }
                switch result {
                case .success: self.attempt(rpc, request, deadline: deadline, retryAuth: false, completion: completion)
                case .failure(let error): completion(.failure(error))
                }
            }
        }
        attempt(rpc, request, deadline: deadline, completion: completion)
    }

    func milliseconds(_ timeout: RequestTimeout) -> UInt64? {
        switch timeout {
        case .configured: config.requestTimeoutMilliseconds
        case .unlimited: nil
        case .milliseconds(let value): value
        }
    }

    func attempt<Req, Resp>(_ rpc: EtcdRPC<Req, Resp>, _ request: Req, deadline: UInt64?, retryAuth: Bool = true,
                            completion: @escaping (Result<Resp, EtcdError>) -> Void) {
        connector.withConnection(deadline: deadline) { [weak self] acquired in
            guard let self else { completion(.failure(.canceled)); return }
            switch acquired {
            case .failure(let error):
                completion(.failure(error))
            case .success(let client):
                let remaining = deadline.map { $0 > self.loop.nowMilliseconds ? $0 - self.loop.nowMilliseconds : 1 }
                client.unary(rpc.path, request, timeoutMilliseconds: remaining, metadata: self.metadata) {
                    (result: Result<Resp, GRPCStatus>) in
                    switch result {
                    case .success(let response):
                        completion(.success(response))
                    case .failure(let status):
                        self.finishFailed(rpc, request, status, client: client, deadline: deadline,
                                          retryAuth: retryAuth, completion: completion)
                    }
                }
            }
        }
    }

    private func finishFailed<Req, Resp>(_ rpc: EtcdRPC<Req, Resp>, _ request: Req, _ status: GRPCStatus,
                                         client: GRPCClient, deadline: UInt64?, retryAuth: Bool,
                                         completion: @escaping (Result<Resp, EtcdError>) -> Void) {
        if retryAuth, EtcdError(status).isStaleToken, config.username != nil {
            // clientv3's retry interceptor: a new token, then the call once more.
            return refreshToken(deadline: deadline) { [weak self] result in
                guard let self else { return completion(.failure(.canceled)) }
                switch result {
                case .success: self.attempt(rpc, request, deadline: deadline, retryAuth: false, completion: completion)
                case .failure(let error): completion(.failure(error))
                }
            }
        }
        if status.code == .deadlineExceeded {
            completion(.failure(.deadlineExceeded()))
            return
        }
        let transportLost = status.code == .unavailable && client.isClosed
        if transportLost { connector.connectionFailed(client) }
        // Reads are retried on another endpoint; writes are not (they may have been applied).
        if transportLost && rpc.isSafeToRetry && (deadline.map { $0 > loop.nowMilliseconds } ?? true) {
            attempt(rpc, request, deadline: deadline, completion: completion)
            return
        }
        completion(.failure(EtcdError(status)))
    }

    /// Opens a streaming call on the current connection (reconnecting first when needed).
    public func openStream<Req, Resp>(_ path: String, deadline: UInt64?, metadata extra: [(String, String)] = [],
                                      _ body: @escaping (Result<(GRPCClient, ClientStream<Req, Resp>), EtcdError>) -> Void) {
        if needsToken {
            return refreshToken(deadline: deadline) { [weak self] result in
                guard let self else { return body(.failure(.canceled)) }
                if case .failure(let error) = result { return body(.failure(error)) }
                self.openStream(path, deadline: deadline, metadata: extra, body)
            }
        }
        connector.withConnection(deadline: deadline) { [weak self] acquired in
            guard let self else { body(.failure(.canceled)); return }
            switch acquired {
            case .failure(let error):
                body(.failure(error))
            case .success(let client):
                let remaining = deadline.map { $0 > self.loop.nowMilliseconds ? $0 - self.loop.nowMilliseconds : 1 }
                let stream: ClientStream<Req, Resp> = client.stream(path, metadata: self.metadata + extra,
                                                                    timeoutMilliseconds: remaining)
                body(.success((client, stream)))
            }
        }
    }

    /// Marks the connection broken after a stream saw the transport fail.
    func streamTransportFailed(_ client: GRPCClient) {
        connector.connectionFailed(client)
    }
}
