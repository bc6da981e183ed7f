import EtcdAPI
import GRPC
import Testing

@testable import EtcdServer

/// A Watch stream whose send queue holds `capacity` responses until the test drains it.
private final class BoundedStream: ResponseStream {
    var capacity: Int
    var queued: [Etcdserverpb_WatchResponse] = []
    var delivered: [Etcdserverpb_WatchResponse] = []
    var finished: GRPCStatus?
    var onWritable: (() -> Void)?
    var isClosed: Bool { finished != nil }

    init(capacity: Int) { self.capacity = capacity }

    func send(_ response: Etcdserverpb_WatchResponse) -> Bool {
        guard !isClosed, queued.count < capacity else { return false }
        queued.append(response)
        return true
    }

    func finish(_ status: GRPCStatus) { finished = status }

    /// The client reads everything queued; the stream says it is writable again.
    func drain() {
        delivered += queued
        queued.removeAll()
        onWritable?()
    }
}

private func response(_ id: Int64, created: Bool = false) -> Etcdserverpb_WatchResponse {
    var r = Etcdserverpb_WatchResponse()
    r.watchID = id
    r.created = created
    return r
}

@Suite struct WatchOutboxTests {
    @Test func fullStreamHoldsControlResponsesInOrderAndPausesEvents() {
        let stream = BoundedStream(capacity: 2)
        let outbox = WatchOutbox(stream: stream)
        var drained = 0
        outbox.onDrained = { drained += 1 }
        for id: Int64 in 1...5 { #expect(outbox.send(response(id, created: true))) }
        // Two fit, three are held; events may not overtake them.
        #expect(stream.queued.map(\.watchID) == [1, 2] && outbox.heldCount == 3 && !outbox.gate.isOpen)
        #expect(!outbox.trySend(response(9)))
        stream.drain()
        #expect(stream.queued.map(\.watchID) == [3, 4] && outbox.heldCount == 1 && !outbox.gate.isOpen && drained == 0)
        stream.drain()
        #expect(stream.queued.map(\.watchID) == [5] && outbox.heldCount == 0 && outbox.gate.isOpen && drained == 1)
        #expect(outbox.trySend(response(9)))
        // A refused event closes the gate until the stream drains, even with nothing held.
        #expect(!outbox.trySend(response(10)))
        #expect(!outbox.gate.isOpen)
        stream.drain()
        #expect(outbox.gate.isOpen && drained == 2)
        #expect(stream.delivered.map(\.watchID) == [1, 2, 3, 4, 5, 9])
        #expect(stream.finished == nil)
    }

    @Test func heldResponsesAreBounded() {
        let stream = BoundedStream(capacity: 0)
        let outbox = WatchOutbox(stream: stream)
        for id in 0..<WatchOutbox.maxHeldResponses { #expect(outbox.send(response(Int64(id)))) }
        #expect(!outbox.send(response(-2)))
        #expect(outbox.heldCount == WatchOutbox.maxHeldResponses)
    }
}
