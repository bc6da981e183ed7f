import Foundation
import Testing

@testable import KVStore

/// The dropEventAtCompaction canary (etcd #18089) must break exactly one thing: the event at the
/// compaction revision, for a watcher caught up from that revision.
@Suite struct WatchHubCanaryTests {
    @Test func armedHubDropsOnlyTheEventAtTheCompactionRevision() throws {
        let s = try TestStore()
        s.store.watchHub.dropsEventAtCompactionRevision = true
        for i in 0..<5 { try s.put("k", "\(i)") }                       // 2...6
        let early = RecordingSink()
        _ = s.store.watchHub.watch("k", from: 4, into: early)
        s.store.watchHub.syncUnsynced(maxEvents: 10)
        #expect(early.events == ["PUT k=2@4", "PUT k=3@5", "PUT k=4@6"])  // never compacted: nothing dropped
        try s.compact(5)
        let atBoundary = RecordingSink()
        _ = s.store.watchHub.watch("k", from: 5, into: atBoundary)
        let after = RecordingSink()
        _ = s.store.watchHub.watch("k", from: 6, into: after)
        s.store.watchHub.syncUnsynced(maxEvents: 10)
        #expect(atBoundary.events == ["PUT k=4@6"])
        #expect(after.events == ["PUT k=4@6"])
    }

    @Test func disarmedHubDeliversTheEventAtTheCompactionRevision() throws {
        let s = try TestStore()
        for i in 0..<5 { try s.put("k", "\(i)") }
        try s.compact(5)
        let sink = RecordingSink()
        _ = s.store.watchHub.watch("k", from: 5, into: sink)
        s.store.watchHub.syncUnsynced(maxEvents: 10)
        #expect(sink.events == ["PUT k=3@5", "PUT k=4@6"])
    }
}
