import EtcdAPI
import EventLoop
import GRPC

/// One watch, on its own Watch stream, that survives reconnects: after a transport failure it is
/// re-created on the next reachable endpoint from the revision after the last one delivered, so
/// no event is lost or repeated. Loop thread only.
public final class EtcdWatcher {
    private let connection: EtcdConnection
    private var request: Etcdserverpb_WatchCreateRequest
    private var stream: ClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>?
    private var streamClient: GRPCClient?
    private var createdOnce = false
    /// A progress request made before the stream was open, sent right after the create.
    private var progressPending = false
    private var ended = false

    /// Every response of this watch: the creation (once), events, progress notifications, and a
    /// final canceled response (compaction, server cancel). Re-creations after a reconnect are
    /// not reported again.
    public var onResponse: ((Etcdserverpb_WatchResponse) -> Void)?
    /// Called once when the watch ends for good: nil after `cancel()` or a server cancel, an
    /// error when the stream failed in a way that resuming cannot fix.
    public var onEnd: ((EtcdError?) -> Void)?
    /// The revision a resumed watch starts from (0 until the first response).
    public private(set) var nextRevision: Int64
    /// Number of times the watch was re-created after a transport failure.
    public private(set) var resumeCount = 0

    init(connection: EtcdConnection, request: Etcdserverpb_WatchCreateRequest) {
        self.connection = connection
        self.request = request
        nextRevision = request.startRevision
    }

    func start() {
        guard !ended else { return }
        var create = request
        if nextRevision > 0 { create.startRevision = nextRevision }
        connection.openStream(EtcdRPCs.watchPath, deadline: nil, metadata: [("hasleader", "true")]) {
            [weak self] (result: Result<(GRPCClient, ClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>), EtcdError>) in
            guard let self, !self.ended else {
                if case .success(let (_, stream)) = result { stream.cancel() }
                return
            }
            switch result {
            case .failure(let error):
                self.finish(error)
            case .success(let (client, stream)):
                self.attach(stream, client: client, create: create)
            }
        }
    }

    private func attach(_ stream: ClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>,
                        client: GRPCClient, create: Etcdserverpb_WatchCreateRequest) {
        self.stream = stream
        streamClient = client
        stream.onMessage = { [weak self] response in self?.receive(response) }
        stream.onFinish = { [weak self] status in self?.streamEnded(status) }
        var message = Etcdserverpb_WatchRequest()
        message.createRequest = create
        stream.send(message)
        if progressPending {
            progressPending = false
            requestProgress()
        }
    }

    private func receive(_ response: Etcdserverpb_WatchResponse) {
        if response.created {
            if nextRevision == 0 { nextRevision = response.header.revision + 1 }
            if createdOnce && !response.canceled { return }
            createdOnce = true
        }
        if let last = response.events.last {
            nextRevision = last.kv.modRevision + 1
        } else if !response.created && !response.canceled && response.compactRevision == 0 {
            nextRevision = max(nextRevision, response.header.revision + 1)
        }
        onResponse?(response)
        if response.canceled {
            stream?.cancel()
            finish(nil)
        }
    }

    private func streamEnded(_ status: GRPCStatus) {
        guard !ended else { return }
        stream = nil
        if status.code == .unavailable || status.code == .internalError && (streamClient?.isClosed ?? false) {
            if let client = streamClient { connection.streamTransportFailed(client) }
            streamClient = nil
            resumeCount += 1
            start()
            return
        }
        finish(status.code == .ok ? nil : EtcdError(status))
    }

    /// Asks the server for a progress notification (etcd 3.4 answers on this stream).
    public func requestProgress() {
        guard let stream else {
            progressPending = !ended
            return
        }
        var message = Etcdserverpb_WatchRequest()
        message.progressRequest = Etcdserverpb_WatchProgressRequest()
        stream.send(message)
    }

    /// Stops watching; `onEnd(nil)` follows.
    public func cancel() {
        stream?.cancel()
        finish(nil)
    }

    private func finish(_ error: EtcdError?) {
        guard !ended else { return }
        ended = true
        connection.release(self)
        stream = nil
        streamClient = nil
        let callback = onEnd
        onEnd = nil
        onResponse = nil
        callback?(error)
    }
}

extension EtcdConnection {
    /// Starts a watch. Set `onResponse`/`onEnd` before the loop runs its next iteration.
    public func watch(_ request: Etcdserverpb_WatchCreateRequest) -> EtcdWatcher {
        let watcher = EtcdWatcher(connection: self, request: request)
        retain(watcher)
        loop.deferToIterationEnd { watcher.start() }
        return watcher
    }
}
