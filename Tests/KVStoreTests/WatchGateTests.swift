import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// A consumer like a Watch stream: a bounded queue that closes its gate when full and reopens
/// it once drained.
private final class GatedConsumer {
    let gate = WatchGate()
    var capacity: Int
    var queued: [String] = []
    var received: [String] = []
    var revisions: [Int64] = []
    var compacted: [Int64] = []

    init(capacity: Int) { self.capacity = capacity }

    func accept(_ events: [Mvccpb_Event], _ revision: Int64) -> Bool {
        guard gate.isOpen, queued.count < capacity else {
            gate.close()
            return false
        }
        queued.append(contentsOf: events.map(RecordingSink.describe))
        revisions.append(revision)
        return true
    }

    /// The client reads everything queued; the gate reopens.
    func drain() {
        received += queued
        queued.removeAll()
        gate.open()
    }
}

extension WatchHub {
    fileprivate func watch(_ key: String, _ end: String = "", from rev: Int64 = 0, prevKV: Bool = false,
                           into consumer: GatedConsumer) -> Watcher {
        watch(key: Data(key.utf8), rangeEnd: Data(end.utf8), startRevision: rev, prevKV: prevKV, gate: consumer.gate,
              sink: { consumer.accept($0, $1) }, onCompacted: { consumer.compacted.append($0) })
    }
}

@Suite struct WatchGateTests {
    @Test func pausedWatchersCatchUpFromHistoryExactlyOnceInOrder() throws {
        let s = try TestStore()
        let hub = s.store.watchHub
        let consumer = GatedConsumer(capacity: 3)
        let a = hub.watch("a", into: consumer)
        let b = hub.watch("b", prevKV: true, into: consumer)
        let other = RecordingSink()
        hub.watch("a", into: other)  // another stream, never full
        var expectedA: [String] = []
        var expectedB: [String] = []
        for i in 0..<20 {
            let rev = Int64(i) * 3 + 2  // a at rev, b at rev + 1, an unrelated key at rev + 2
            try s.put("a", "\(i)")
            expectedA.append("PUT a=\(i)@\(rev)")
            try s.put("b", "\(i)")
            expectedB.append("PUT b=\(i)@\(rev + 1)" + (i > 0 ? " prev=\(i - 1)@\(rev - 2)" : ""))
            try s.put("unrelated", "\(i)")
        }
        // The consumer filled up after 3 batches: both watchers are paused and behind.
        #expect(consumer.queued.count == 3 && !consumer.gate.isOpen)
        #expect(!hub.isSynced(a) && !hub.isSynced(b))
        // While the gate is closed nothing is read or offered.
        hub.syncUnsynced(maxEvents: 1000)
        #expect(consumer.queued.count == 3)
        // The other stream was not held back.
        #expect(other.events == expectedA)
        // Drain and resume until caught up; each step may refill the queue and pause again.
        for _ in 0..<100 where !(hub.isSynced(a) && hub.isSynced(b)) {
            consumer.drain()
            hub.syncUnsynced(maxEvents: 4)
        }
        consumer.drain()
        #expect(hub.isSynced(a) && hub.isSynced(b))
        #expect(consumer.received.filter { $0.hasPrefix("PUT a") } == expectedA)
        #expect(consumer.received.filter { $0.hasPrefix("PUT b") } == expectedB)
        #expect(consumer.revisions.count >= 4)
        // Synced again: new writes arrive as they are applied.
        try s.put("a", "live")
        #expect(consumer.queued == ["PUT a=live@\(s.store.currentRevision)"])
    }

    @Test func pausedWatcherWhoseHistoryWasCompactedIsToldSo() throws {
        let s = try TestStore()
        let hub = s.store.watchHub
        let consumer = GatedConsumer(capacity: 1)
        let w = hub.watch("k", into: consumer)
        try s.put("k", "1")   // 2: delivered
        try s.put("k", "2")   // 3: refused, the watcher pauses at revision 3
        try s.put("k", "3")   // 4
        #expect(consumer.queued == ["PUT k=1@2"] && !hub.isSynced(w))
        try s.compact(4)
        // Still paused: the compaction is not reported yet.
        hub.syncUnsynced(maxEvents: 100)
        #expect(consumer.compacted.isEmpty)
        consumer.drain()
        hub.syncUnsynced(maxEvents: 100)
        #expect(consumer.compacted == [4] && hub.watcherCount == 0)
        #expect(consumer.received == ["PUT k=1@2"])
    }

    @Test func pausedWatcherWithoutRelevantWritesStaysSynced() throws {
        let s = try TestStore()
        let hub = s.store.watchHub
        let consumer = GatedConsumer(capacity: 10)
        let w = hub.watch("k", into: consumer)
        consumer.gate.close()
        try s.put("x", "1")
        try s.put("y", "2")
        // Nothing it wanted was missed, so it may still be told the current revision.
        #expect(hub.isSynced(w) && w.nextRevision == s.store.currentRevision + 1)
        try s.put("k", "3")
        #expect(!hub.isSynced(w) && w.nextRevision == s.store.currentRevision)
        consumer.gate.open()
        hub.syncUnsynced(maxEvents: 100)
        #expect(hub.isSynced(w) && consumer.queued == ["PUT k=3@4"])
    }
}
