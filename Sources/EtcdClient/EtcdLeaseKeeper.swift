import EtcdAPI
import EventLoop
import GRPC

/// Keeps one lease alive: sends a keepalive every third of the TTL on a LeaseKeepAlive stream,
/// reopening the stream on another endpoint after a transport failure. Loop thread only.
public final class EtcdLeaseKeeper {
    private let connection: EtcdConnection
    public let leaseID: Int64
    private var stream: ClientStream<Etcdserverpb_LeaseKeepAliveRequest, Etcdserverpb_LeaseKeepAliveResponse>?
    private var streamClient: GRPCClient?
    private var timer: LoopTimer?
    private var ended = false
    private let once: Bool

    /// Each keepalive answer. A TTL of 0 or less means the lease is gone; the keeper then ends.
    public var onResponse: ((Etcdserverpb_LeaseKeepAliveResponse) -> Void)?
    /// Called once at the end: nil when the lease expired/was revoked or after `cancel()`.
    public var onEnd: ((EtcdError?) -> Void)?

    init(connection: EtcdConnection, leaseID: Int64, once: Bool) {
        self.connection = connection
        self.leaseID = leaseID
        self.once = once
    }

    func start(deadline: UInt64?) {
        guard !ended else { return }
        connection.openStream(EtcdRPCs.leaseKeepAlivePath, deadline: deadline) {
            [weak self] (result: Result<(GRPCClient, ClientStream<Etcdserverpb_LeaseKeepAliveRequest, Etcdserverpb_LeaseKeepAliveResponse>), EtcdError>) in
            guard let self, !self.ended else {
                if case .success(let (_, stream)) = result { stream.cancel() }
                return
            }
            switch result {
            case .failure(let error): self.finish(error)
            case .success(let (client, stream)):
                self.stream = stream
                self.streamClient = client
                stream.onMessage = { [weak self] response in self?.receive(response) }
                stream.onFinish = { [weak self] status in self?.streamEnded(status) }
                self.sendKeepAlive()
            }
        }
    }

    private func sendKeepAlive() {
        var request = Etcdserverpb_LeaseKeepAliveRequest()
        request.id = leaseID
        stream?.send(request)
    }

    private func receive(_ response: Etcdserverpb_LeaseKeepAliveResponse) {
        onResponse?(response)
        if once || response.ttl <= 0 {
            stream?.cancel()
            finish(nil)
            return
        }
        // Renew at a third of the TTL, as clientv3 does.
        let interval = UInt64(max(response.ttl * 1000 / 3, 500))
        timer?.cancel()
        timer = connection.loop.schedule(afterMilliseconds: interval) { [weak self] in self?.sendKeepAlive() }
    }

    private func streamEnded(_ status: GRPCStatus) {
        guard !ended else { return }
        timer?.cancel()
        stream = nil
        if status.code == .unavailable && !once {
            if let client = streamClient { connection.streamTransportFailed(client) }
            streamClient = nil
            start(deadline: nil)
            return
        }
        finish(status.code == .ok || status.code == .cancelled ? nil : EtcdError(status))
    }

    public func cancel() {
        stream?.cancel()
        finish(nil)
    }

    private func finish(_ error: EtcdError?) {
        guard !ended else { return }
        ended = true
        connection.release(self)
        timer?.cancel()
        timer = nil
        stream = nil
        let callback = onEnd
        onEnd = nil
        onResponse = nil
        callback?(error)
    }
}

extension EtcdConnection {
    /// Keeps `leaseID` alive until cancelled or the lease is gone. With `once`, sends one
    /// keepalive within `timeoutMilliseconds` and ends after the answer.
    public func keepAlive(leaseID: Int64, once: Bool = false, timeoutMilliseconds: UInt64? = nil) -> EtcdLeaseKeeper {
        let keeper = EtcdLeaseKeeper(connection: self, leaseID: leaseID, once: once)
        let deadline = deadline(after: timeoutMilliseconds)
        retain(keeper)
        loop.deferToIterationEnd { keeper.start(deadline: deadline) }
        return keeper
    }
}
