import EtcdAPI
import GRPC
import KVStore

/// The sending side of one Watch stream. etcd never drops a watch stream for being slow, and
/// neither does Keel: when the stream's bounded send queue is full, the outbox closes its gate
/// (the hub then pauses every watcher of the stream, keeping nothing for them and re-reading
/// history later) and holds the few responses that must not be lost, such as created and
/// canceled notices or the rest of a fragmented batch. When the stream drains it sends those
/// in order and reopens the gate, so events resume exactly where each watcher left off.
final class WatchOutbox {
    /// Bounds the held responses: only a client that opens this many watchers without reading
    /// anything reaches it (events are never held here; they stay in the store's history).
    static let maxHeldResponses = 65_536

    let gate = WatchGate()
    private let stream: any ResponseStream<Etcdserverpb_WatchResponse>
    /// Held responses; those before `head` were sent (compacted in batches, not one by one).
    private var held: [Etcdserverpb_WatchResponse] = []
    private var head = 0
    /// Called once everything held went out and the gate reopened.
    var onDrained: (() -> Void)?

    init(stream: any ResponseStream<Etcdserverpb_WatchResponse>) {
        self.stream = stream
        stream.onWritable = { [weak self] in self?.flush() }
    }

    var isClosed: Bool { stream.isClosed }
    var heldCount: Int { held.count - head }

    /// Sends `response` now or after what is already held. False when the stream is closed or the
    /// held responses reached their bound (the caller then ends the stream).
    func send(_ response: Etcdserverpb_WatchResponse) -> Bool {
        guard !stream.isClosed else { return false }
        if gate.isOpen, stream.send(response) { return true }
        gate.close()
        guard heldCount < WatchOutbox.maxHeldResponses else { return false }
        held.append(response)
        return true
    }

    /// Sends events only if nothing is held ahead of them and the stream takes them now; false
    /// means nothing was sent and the gate is closed until the stream drains.
    func trySend(_ response: Etcdserverpb_WatchResponse) -> Bool {
        if gate.isOpen, !stream.isClosed, stream.send(response) { return true }
        gate.close()
        return false
    }

    private func flush() {
        while head < held.count {
            // A refused send asks the stream for another onWritable.
            guard stream.send(held[head]) else { return compactHeld() }
            head += 1
        }
        held.removeAll()
        head = 0
        gate.open()
        onDrained?()
    }

    private func compactHeld() {
        if head >= 1024, head * 2 >= held.count {
            held.removeFirst(head)
            head = 0
        }
    }

    func close() {
        held.removeAll()
        head = 0
        stream.onWritable = nil
        onDrained = nil
    }
}
