import EventLoop
import GRPC
import TLS

/// Keeps one gRPC connection to one of the endpoints, failing over to the next endpoint when a
/// connect attempt fails or times out. Loop thread only.
final class EndpointConnector {
    typealias Waiter = (Result<GRPCClient, EtcdError>) -> Void

    let loop: EventLoop
    let config: EtcdClientConfig
    private var client: GRPCClient?
    private var connecting = false
    private var attempt = 0
    /// Index into `config.endpoints` of the endpoint tried next (or connected).
    private(set) var endpointIndex = 0
    private var failuresThisRound = 0
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiterID = 0
    private var closed = false
    private(set) var lastConnectError: String?
    private var cachedTLS: (options: TLSClientOptions, context: TLSContext)?
    private var reconnectNotBefore: UInt64 = 0
    private var reconnectScheduled = false
    /// Bound on requests parked while no endpoint is reachable.
    static let maxWaiters = 4096

    init(loop: EventLoop, config: EtcdClientConfig) {
        self.loop = loop
        self.config = config
    }

    var currentEndpoint: Endpoint { config.endpoints[endpointIndex] }

    /// Calls `body` with a live connection, or with an error once `deadline` (loop milliseconds)
    /// passes first. Returns a token for `cancelWait`.
    @discardableResult
    func withConnection(deadline: UInt64?, _ body: @escaping Waiter) -> Int? {
        if closed { body(.failure(.canceled)); return nil }
        if let client, !client.isClosed { body(.success(client)); return nil }
        client = nil
        guard waiters.count < EndpointConnector.maxWaiters else {
            body(.failure(EtcdError(code: .resourceExhausted, message: "too many requests waiting for a connection")))
            return nil
        }
        let id = nextWaiterID
        nextWaiterID += 1
        waiters[id] = body
        if let deadline {
            let now = loop.nowMilliseconds
            loop.schedule(afterMilliseconds: deadline > now ? deadline - now : 0) { [weak self] in
                self?.expireWaiter(id)
            }
        }
        startConnecting()
        return id
    }

    private func expireWaiter(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter(.failure(.deadlineExceeded(neverConnected: true, lastConnectError: lastConnectError)))
    }

    /// Drops the current connection (after a transport failure) so the next request reconnects,
    /// starting with the next endpoint.
    func connectionFailed(_ failed: GRPCClient) {
        guard client === failed else { return }
        client = nil
        failed.close()
        // A server that accepts and then drops connections (a TLS 1.3 server refusing our
        // certificate after the handshake) must not be redialled in a tight loop.
        reconnectNotBefore = loop.nowMilliseconds + config.reconnectBackoffMilliseconds
        endpointIndex = (endpointIndex + 1) % config.endpoints.count
    }

    func close() {
        closed = true
        client?.close()
        client = nil
        let pending = waiters
        waiters.removeAll()
        for id in pending.keys.sorted() { pending[id]?(.failure(.canceled)) }
    }

    private func startConnecting() {
        guard !connecting, !closed else { return }
        let now = loop.nowMilliseconds
        if now < reconnectNotBefore {
            guard !reconnectScheduled else { return }
            reconnectScheduled = true
            loop.schedule(afterMilliseconds: reconnectNotBefore - now) { [weak self] in
                guard let self else { return }
                reconnectScheduled = false
                if !waiters.isEmpty { startConnecting() }
            }
            return
        }
        connecting = true
        attempt += 1
        let thisAttempt = attempt
        let endpoint = currentEndpoint
        let timer = loop.schedule(afterMilliseconds: config.dialTimeoutMilliseconds) { [weak self] in
            self?.attemptFailed(thisAttempt, "dial tcp \(endpoint.host):\(endpoint.port): i/o timeout")
        }
        let tls: TLSContext?
        do { tls = try tlsContext(for: endpoint) } catch {
            timer.cancel()
            return loop.deferToIterationEnd { [weak self] in self?.attemptFailed(thisAttempt, error.message) }
        }
        GRPCClient.connect(loop: loop, host: endpoint.host, port: endpoint.port, tls: tls) { [weak self] result in
            timer.cancel()
            guard let self, thisAttempt == self.attempt, self.connecting, !self.closed else {
                if case .success(let late) = result { late.close() }
                return
            }
            switch result {
            case .success(let connected): self.connected(connected)
            case .failure(let status): self.attemptFailed(thisAttempt, status.message)
            }
        }
    }

    /// clientv3's choice: http plain, https TLS (with the configured settings or defaults), no
    /// scheme TLS only when configured. The context is built once, on the loop.
    private func tlsContext(for endpoint: Endpoint) throws(TLSError) -> TLSContext? {
        let options: TLSClientOptions
        switch endpoint.scheme {
        case "http": return nil
        case "https": options = config.tls ?? TLSClientOptions()
        default:
            guard let configured = config.tls else { return nil }
            options = configured
        }
        if let cached = cachedTLS, cached.options == options { return cached.context }
        var offered = options
        offered.alpn = ["h2"]
        let context = try TLSContext.client(offered)
        cachedTLS = (options, context)
        return context
    }

    private func connected(_ connected: GRPCClient) {
        connecting = false
        failuresThisRound = 0
        lastConnectError = nil
        client = connected
        let ready = waiters
        waiters.removeAll()
        for id in ready.keys.sorted() {
            guard let waiter = ready[id] else { continue }
            // A waiter's request may itself fail the connection; later waiters then reconnect.
            if connected.isClosed { withConnectionAgain(waiter) } else { waiter(.success(connected)) }
        }
    }

    /// Every waiting request fails with the last connect error (see `EtcdClientConfig.failFast`).
    private func failWaiters(_ reason: String) {
        let failed = waiters
        waiters.removeAll()
        var error = EtcdError(code: .unavailable, message: reason, neverConnected: true)
        error.lastConnectError = reason
        for id in failed.keys.sorted() { failed[id]?(.failure(error)) }
    }

    private func withConnectionAgain(_ waiter: @escaping Waiter) {
        withConnection(deadline: nil, waiter)
    }

    private func attemptFailed(_ failedAttempt: Int, _ reason: String) {
        guard failedAttempt == attempt, connecting else { return }
        connecting = false
        attempt += 1  // a late result of the failed attempt is ignored
        lastConnectError = reason
        endpointIndex = (endpointIndex + 1) % config.endpoints.count
        failuresThisRound += 1
        guard !waiters.isEmpty else { return }
        if failuresThisRound >= config.endpoints.count {
            failuresThisRound = 0
            if config.failFast { return failWaiters(reason) }
            loop.schedule(afterMilliseconds: config.reconnectBackoffMilliseconds) { [weak self] in
                guard let self, !self.waiters.isEmpty else { return }
                self.startConnecting()
            }
        } else {
            startConnecting()
        }
    }
}
