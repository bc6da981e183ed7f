import EtcdAPI
import EtcdClient
import GRPC
import EventLoop
import Glibc

/// One gRPC Watch stream carrying many watches, as a clientv3 Watcher does: creates are
/// answered in the order they were sent, so each `created` response belongs to the oldest
/// unanswered create; events are routed by watch ID. Loop thread only.
final class WatchStream {
    typealias Stream = ClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>
    typealias EventHandler = ([Mvccpb_Event]) -> Void

    private struct PendingCreate {
        let onCreated: () -> Void
        let onEvents: EventHandler
    }

    private let stream: Stream
    /// Keeps the HTTP/2 session the stream runs on alive.
    private let client: GRPCClient
    private var pending: [PendingCreate] = []
    private var pendingHead = 0
    private var handlers: [Int64: EventHandler] = [:]
    /// Requests the bounded send queue did not take yet, sent again when it drains.
    private var outbox: [Etcdserverpb_WatchRequest] = []
    private var outboxHead = 0
    /// Called once if the stream ends (benchmarks treat that as fatal).
    var onFailure: ((String) -> Void)?

    private init(stream: Stream, client: GRPCClient) {
        self.stream = stream
        self.client = client
        stream.onMessage = { [unowned self] response in receive(response) }
        stream.onFinish = { [unowned self] status in
            let callback = onFailure
            onFailure = nil
            callback?("watch stream ended: \(status)")
        }
        stream.onWritable = { [unowned self] in flush() }
    }

    /// Opens a Watch stream on `connection`.
    static func open(on connection: EtcdConnection, _ completion: @escaping (Result<WatchStream, EtcdError>) -> Void) {
        connection.openStream(EtcdRPCs.watchPath, deadline: nil, metadata: [("hasleader", "true")]) {
            (result: Result<(GRPCClient, Stream), EtcdError>) in
            completion(result.map { client, stream in WatchStream(stream: stream, client: client) })
        }
    }

    /// Creates a watch; `onCreated` runs when the server confirms it, `onEvents` for each
    /// batch of events it delivers.
    func watch(_ create: Etcdserverpb_WatchCreateRequest, onCreated: @escaping () -> Void, onEvents: @escaping EventHandler) {
        pending.append(PendingCreate(onCreated: onCreated, onEvents: onEvents))
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        outbox.append(request)
        flush()
    }

    func cancel() {
        onFailure = nil
        stream.cancel()
    }

    private func flush() {
        while outboxHead < outbox.count, stream.send(outbox[outboxHead]) { outboxHead += 1 }
        if outboxHead == outbox.count {
            outbox.removeAll(keepingCapacity: true)
            outboxHead = 0
        }
    }

    private func receive(_ response: Etcdserverpb_WatchResponse) {
        if response.created {
            guard pendingHead < pending.count else {
                onFailure?("unexpected watch created response \(response.watchID)")
                return
            }
            let create = pending[pendingHead]
            pendingHead += 1
            if response.canceled {
                onFailure?("watch create refused: \(response.cancelReason)")
                return
            }
            handlers[response.watchID] = create.onEvents
            create.onCreated()
        }
        if !response.events.isEmpty { handlers[response.watchID]?(response.events) }
    }
}

/// Microseconds between two monotonic nanosecond stamps.
func microseconds(from start: UInt64, to end: UInt64) -> UInt64 { end > start ? (end - start) / 1000 : 0 }
