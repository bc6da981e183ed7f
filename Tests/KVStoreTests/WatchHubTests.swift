import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// A consumer with a bounded queue, like a gRPC stream's send buffer.
final class RecordingSink {
    var capacity: Int
    var batches: [(events: [String], revision: Int64)] = []
    var compacted: [Int64] = []
    var refusals = 0

    init(capacity: Int = .max) { self.capacity = capacity }

    var events: [String] { batches.flatMap(\.events) }

    func accept(_ events: [Mvccpb_Event], _ revision: Int64) -> Bool {
        if batches.count >= capacity {
            refusals += 1
            return false
        }
        batches.append((events.map(Self.describe), revision))
        return true
    }

    static func describe(_ e: Mvccpb_Event) -> String {
        let kind = e.type == .put ? "PUT" : "DEL"
        var s = "\(kind) \(String(decoding: e.kv.key, as: UTF8.self))=\(String(decoding: e.kv.value, as: UTF8.self))@\(e.kv.modRevision)"
        if e.hasPrevKv { s += " prev=\(String(decoding: e.prevKv.value, as: UTF8.self))@\(e.prevKv.modRevision)" }
        return s
    }
}

extension WatchHub {
    func watch(_ key: String, _ end: String = "", from rev: Int64 = 0, prevKV: Bool = false,
               filters: WatchFilters = [], into sink: RecordingSink) -> Watcher {
        watch(key: Data(key.utf8), rangeEnd: Data(end.utf8), startRevision: rev, prevKV: prevKV, filters: filters,
              sink: { sink.accept($0, $1) }, onCompacted: { sink.compacted.append($0) })
    }
}

@Suite struct WatchHubTests {
    @Test func syncedWatcherGetsEachRevisionAtomically() throws {
        let s = try TestStore()
        let sink = RecordingSink()
        let w = s.store.watchHub.watch("k", "l", into: sink)
        #expect(s.store.watchHub.isSynced(w))
        try s.put("k1", "a")                                             // 2
        try s.put("other", "x")                                          // 3: not in range
        try s.txn(txnRequest(success: [putOp("k2", "b"), putOp("k3", "c"), deleteOp("k1")]))  // 4
        #expect(sink.batches.map(\.revision) == [2, 4])
        #expect(sink.batches[1].events == ["PUT k2=b@4", "PUT k3=c@4", "DEL k1=@4"])
        s.store.watchHub.cancel(w)
        try s.put("k9", "z")
        #expect(sink.batches.count == 2)
    }

    @Test func filtersAndPrevKV() throws {
        let s = try TestStore()
        let noPut = RecordingSink(), noDelete = RecordingSink()
        s.store.watchHub.watch("a", prevKV: true, filters: .noPut, into: noPut)
        s.store.watchHub.watch("a", prevKV: true, filters: .noDelete, into: noDelete)
        try s.put("a", "1")   // 2
        try s.put("a", "2")   // 3
        try s.delete("a")     // 4
        #expect(noPut.events == ["DEL a=@4 prev=2@3"])
        #expect(noDelete.events == ["PUT a=1@2", "PUT a=2@3 prev=1@2"])
    }

    /// A watcher from an old revision is caught up from the store in bounded steps, whole
    /// revisions at a time, then joins the synced set; nothing is duplicated or lost.
    @Test func unsyncedCatchUpIsBoundedAndInOrder() throws {
        let s = try TestStore()
        for i in 0..<10 { try s.put("p/\(i)", "v\(i)") }                                   // 2...11
        try s.txn(txnRequest(success: [putOp("p/a", "x"), putOp("p/b", "y"), putOp("p/c", "z")]))  // 12
        let sink = RecordingSink()
        let w = s.store.watchHub.watch("p/", "p0", from: 5, prevKV: true, into: sink)
        #expect(!s.store.watchHub.isSynced(w))
        var rounds = 0
        while !s.store.watchHub.isSynced(w) && rounds < 50 {
            s.store.watchHub.syncUnsynced(maxEvents: 2)
            rounds += 1
        }
        #expect(rounds > 3)
        #expect(sink.events.count == 10)
        #expect(sink.events.first == "PUT p/3=v3@5")
        #expect(sink.events.suffix(3) == ["PUT p/a=x@12", "PUT p/b=y@12", "PUT p/c=z@12"])
        // Revision 12's three events were delivered in one batch despite the bound of 2.
        #expect(sink.batches.filter { $0.events.contains { $0.hasSuffix("@12") } }.map { $0.events.filter { $0.hasSuffix("@12") }.count } == [3])
        #expect(sink.batches.allSatisfy { $0.events.count <= 4 })
        try s.put("p/z", "new")
        #expect(sink.events.last == "PUT p/z=new@13")
    }

    /// A full sink turns a synced watcher into an unsynced one; it resumes exactly where the
    /// refused batch began.
    @Test func slowConsumerResumesWithoutGapsOrDuplicates() throws {
        let s = try TestStore()
        let sink = RecordingSink(capacity: 1)
        let w = s.store.watchHub.watch("k", into: sink)
        try s.put("k", "1")        // delivered
        try s.put("k", "2")        // refused → unsynced
        try s.put("k", "3")
        #expect(!s.store.watchHub.isSynced(w) && sink.refusals == 1)
        s.store.watchHub.syncUnsynced(maxEvents: 100)
        #expect(sink.refusals == 2)                                     // still full
        sink.capacity = .max
        s.store.watchHub.syncUnsynced(maxEvents: 100)
        #expect(s.store.watchHub.isSynced(w))
        #expect(sink.events == ["PUT k=1@2", "PUT k=2@3", "PUT k=3@4"])
        try s.put("k", "4")
        #expect(sink.events.last == "PUT k=4@5")
    }

    @Test func compactedStartRevisionIsReported() throws {
        let s = try TestStore()
        for i in 0..<5 { try s.put("k", "\(i)") }                       // 2...6
        try s.compact(5)
        let sink = RecordingSink()
        let w = s.store.watchHub.watch("k", from: 3, into: sink)
        s.store.watchHub.syncUnsynced(maxEvents: 10)
        #expect(sink.compacted == [5] && sink.events.isEmpty)
        #expect(s.store.watchHub.watcherCount == 0 && !s.store.watchHub.isSynced(w))
        // From the compaction revision itself is allowed.
        let ok = RecordingSink()
        s.store.watchHub.watch("k", from: 5, into: ok)
        s.store.watchHub.syncUnsynced(maxEvents: 10)
        #expect(ok.compacted.isEmpty && ok.events == ["PUT k=3@5", "PUT k=4@6"])
    }

    @Test func futureStartRevisionWaits() throws {
        let s = try TestStore()
        let sink = RecordingSink()
        s.store.watchHub.watch("k", from: 4, into: sink)
        try s.put("k", "a")   // 2: before the start
        try s.put("k", "b")   // 3
        try s.put("k", "c")   // 4
        #expect(sink.events == ["PUT k=c@4"])
    }

    @Test func singleCallbackDelivery() throws {
        let s = try TestStore()
        try s.put("k", "0")     // 2
        try s.put("k", "1")     // 3
        try s.compact(3)
        var log: [String] = []
        let w = s.store.watchHub.watch(key: Data("k".utf8), startRevision: 2, filters: WatchFilters(noPut: false, noDelete: true)) {
            switch $0 {
            case .events(let events, let revision): log.append("events \(events.count) @\(revision)")
            case .compacted(let rev): log.append("compacted \(rev)")
            }
            return true
        }
        s.store.watchHub.syncUnsynced(maxEvents: 10)
        #expect(log == ["compacted 3"] && !s.store.watchHub.isSynced(w))
        let live = s.store.watchHub.watch(key: Data("k".utf8)) { if case .events(let e, _) = $0 { log.append("live \(e.count)") }; return true }
        try s.put("k", "2")
        #expect(log.last == "live 1" && s.store.watchHub.isSynced(live))
    }
}
