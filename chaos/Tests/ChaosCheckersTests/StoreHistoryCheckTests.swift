import ChaosCheckers
import Testing

@Suite("Store history: watch checker and unknown writes")
struct StoreHistoryCheckTests {
    static func put(_ key: String, _ value: String, _ rev: Int64, prev: String?) -> StoreEvent {
        StoreEvent(key: key, value: value, modRevision: rev, previousValue: prev)
    }

    static func ackedWrite(_ key: String, _ value: String, _ rev: Int64) -> RegisterOperation {
        RegisterOperation(id: Int(rev), client: 0, key: key, kind: .write, value: value, revision: rev,
                          invokeNanos: 0, completeNanos: 1, outcome: .ok)
    }

    let events = [put("a", "1", 2, prev: nil), put("b", "x", 3, prev: nil), put("a", "2", 4, prev: "1")]

    @Test func orderedCompleteHistoryPasses() {
        let v = WatchChecker.check(events: events, firstRevision: 2, lastRevision: 4, acknowledged: [Self.ackedWrite("a", "2", 4)])
        #expect(v.passed)
    }

    @Test func gapDuplicateAndReorderAreCaught() {
        let gap = WatchChecker.check(events: [events[0], events[2]], firstRevision: 2, lastRevision: 4, acknowledged: [])
        #expect(!gap.passed && gap.evidence.contains { $0.contains("gap") })
        let duplicate = WatchChecker.check(events: events + [events[2]], firstRevision: 2, lastRevision: 4, acknowledged: [])
        #expect(!duplicate.passed && duplicate.evidence.contains { $0.contains("not ordered or repeated") })
        let short = WatchChecker.check(events: events, firstRevision: 2, lastRevision: 6, acknowledged: [])
        #expect(!short.passed)
    }

    @Test func wrongPrevKVIsCaught() {
        var bad = events
        bad[2].previousValue = "0"
        let v = WatchChecker.check(events: bad, firstRevision: 2, lastRevision: 4, acknowledged: [])
        #expect(!v.passed && v.evidence.contains { $0.contains("prev_kv") })
    }

    @Test func acknowledgedWriteMissingFromTheWatchIsCaught() {
        let v = WatchChecker.check(events: events, firstRevision: 2, lastRevision: 4, acknowledged: [Self.ackedWrite("a", "9", 4)])
        #expect(!v.passed)
    }

    @Test func unknownWritesAbsentFromTheStoreBecomeFailures() {
        let applied = RegisterOperation(id: 1, client: 0, key: "a", kind: .write, value: "2", invokeNanos: 0, completeNanos: nil, outcome: .unknown)
        let lost = RegisterOperation(id: 2, client: 0, key: "a", kind: .cas, value: "7", expected: "1", invokeNanos: 0, completeNanos: nil, outcome: .unknown)
        let (resolved, dropped) = UnknownResolution.resolve([applied, lost], events: events)
        #expect(dropped == 1)
        #expect(resolved.map(\.outcome) == [.unknown, .fail])
    }

    @Test func readOfAValueTheStoreNeverHadIsCaughtOnceUnknownWritesAreSettled() {
        // A read returned the value of a timed-out write; if the store's history never holds
        // that value, the read saw something that was never committed.
        var h = HistoryBuilder()
        h.write("1", 0, 10)
        h.write("3", 35, nil, outcome: .unknown)
        h.read("3", 40, 50, client: 1)
        #expect(h.verdict.passed)
        let (resolved, dropped) = UnknownResolution.resolve(h.ops, events: [Self.put("k", "1", 2, prev: nil)])
        #expect(dropped == 1)
        #expect(!LinearizabilityChecker.verdict(resolved).passed)
    }
}
