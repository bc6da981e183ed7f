import ChaosCheckers
import Testing

/// Builds txn histories for the checker tests; times are in milliseconds.
struct TxnHistoryBuilder {
    private(set) var ops: [TxnOperation] = []

    typealias Seen = (key: String, value: String?, mod: Int64)

    mutating func read(_ seen: [Seen], at revision: Int64, _ start: UInt64, _ end: UInt64, client: Int = 0) {
        add(.init(id: ops.count, client: client, kind: .read,
                  observed: seen.map { .init(key: $0.key, value: $0.value, modRevision: $0.mod) },
                  revision: revision, invokeNanos: start * 1_000_000, completeNanos: end * 1_000_000, outcome: .ok))
    }

    mutating func write(_ value: String, to keys: [String], at revision: Int64?, _ start: UInt64, _ end: UInt64?,
                        client: Int = 0, outcome: RegisterOperation.Outcome = .ok) {
        add(.init(id: ops.count, client: client, kind: .write, writeKeys: keys, value: value, revision: revision,
                  invokeNanos: start * 1_000_000, completeNanos: end.map { $0 * 1_000_000 }, outcome: outcome))
    }

    mutating func cas(_ value: String, if compares: [(String, Int64)], succeeded: Bool, at revision: Int64, seen: [Seen] = [],
                      _ start: UInt64, _ end: UInt64, client: Int = 0) {
        add(.init(id: ops.count, client: client, kind: .cas, writeKeys: compares.map(\.0), value: value,
                  compares: compares.map { .init(key: $0.0, modRevision: $0.1) }, succeeded: succeeded,
                  observed: seen.map { .init(key: $0.key, value: $0.value, modRevision: $0.mod) },
                  revision: revision, invokeNanos: start * 1_000_000, completeNanos: end * 1_000_000, outcome: .ok))
    }

    private mutating func add(_ op: TxnOperation) { ops.append(op) }

    var verdict: Verdict { TxnChecker.check(ops) }
}

@Suite("Txns: strict serializability against revisions")
struct TxnCheckerTests {
    /// Two writers, a cas, readers at several revisions (other workloads' writes in between).
    static func valid() -> TxnHistoryBuilder {
        var h = TxnHistoryBuilder()
        h.read([("a", nil, 0), ("b", nil, 0)], at: 1, 0, 5, client: 1)
        h.write("t0-1", to: ["a", "b"], at: 4, 10, 20)
        h.read([("a", "t0-1", 4), ("b", "t0-1", 4)], at: 6, 21, 25, client: 1)
        h.cas("t1-1", if: [("a", 4), ("b", 4)], succeeded: true, at: 9, 26, 30, client: 1)
        // Concurrent with the cas: either side of it is fine, here it read before.
        h.read([("a", "t0-1", 4), ("c", nil, 0)], at: 8, 27, 31, client: 2)
        h.cas("t0-2", if: [("a", 4)], succeeded: false, at: 10, seen: [("a", "t1-1", 9)], 32, 36)
        h.read([("a", "t1-1", 9), ("b", "t1-1", 9)], at: 10, 37, 40, client: 2)
        return h
    }

    @Test func aValidHistoryPasses() {
        let v = Self.valid().verdict
        #expect(v.passed, "\(v.evidence)")
        #expect(v.detail.contains("7 txns"))
    }

    @Test func aStaleReadIsCaught() {
        var h = Self.valid()
        // At revision 12 the cas's value (revision 9) is current, yet the read sees the older one.
        h.read([("a", "t0-1", 4)], at: 12, 50, 55, client: 3)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("stale read of a at revision 12") && $0.contains("t1-1@9") })
    }

    @Test func aRealTimeViolationIsCaught() {
        var h = Self.valid()
        // Invoked after the read at revision 10 completed, yet reads at revision 7 — its state
        // matches the model at 7, so only real time can catch it.
        h.read([("a", "t0-1", 4)], at: 7, 45, 48, client: 3)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.hasPrefix("real time:") && $0.contains("revision 7") })
    }

    @Test func aWriteOrderedBeforeAnEarlierCompletedWriteIsCaught() {
        var h = TxnHistoryBuilder()
        h.write("t0-1", to: ["a"], at: 5, 0, 10)
        h.write("t1-1", to: ["b"], at: 5, 20, 30, client: 1)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("two writing txns at revision 5") })
        #expect(v.evidence.contains { $0.hasPrefix("real time:") })
    }

    @Test func aPhantomValueIsCaught() {
        var h = Self.valid()
        h.read([("b", "t9-9", 11)], at: 11, 50, 55, client: 3)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("t9-9") && $0.contains("no client ever wrote") })
    }

    @Test func aFailedWriteObservedIsCaught() {
        var h = Self.valid()
        h.write("t3-1", to: ["c"], at: nil, 41, 42, client: 3, outcome: .fail)
        h.read([("c", "t3-1", 11)], at: 11, 50, 55, client: 3)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("not applied") && $0.contains("t3-1") })
    }

    @Test func unknownWritesArePlacedByTheirValueOrLeftOut() {
        var h = Self.valid()
        h.write("t3-1", to: ["c", "d"], at: nil, 41, nil, client: 3, outcome: .unknown)
        h.write("t4-1", to: ["c"], at: nil, 41, nil, client: 4, outcome: .unknown)  // never seen: not applied
        h.read([("c", "t3-1", 12), ("d", "t3-1", 12)], at: 13, 60, 65, client: 2)
        let v = h.verdict
        #expect(v.passed, "\(v.evidence)")
        #expect(v.detail.contains("1 found applied, 1 never seen"))
    }

    @Test func aTornTxnIsCaught() {
        var h = Self.valid()
        // One key of the txn shows it, the other still the value before it.
        h.write("t3-1", to: ["a", "b"], at: 12, 41, 45, client: 3)
        h.read([("a", "t3-1", 12), ("b", "t1-1", 9)], at: 12, 50, 55, client: 2)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("read of b at revision 12") })
    }

    @Test func aCasThatHeldOnAStaleStateIsCaught() {
        var h = Self.valid()
        // a was rewritten at 9 by the first cas, but this one held comparing against 4.
        h.cas("t2-1", if: [("a", 4)], succeeded: true, at: 12, 41, 45, client: 2)
        let v = h.verdict
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("held at revision 12 though a had mod revision 9") })
    }

    @Test func theStoreHistoryMustHoldEveryKeyOfACommittedTxn() {
        let h = Self.valid()
        let events = [
            StoreEvent(key: "a", value: "t0-1", modRevision: 4, previousValue: nil),
            StoreEvent(key: "b", value: "t0-1", modRevision: 4, previousValue: nil),
            StoreEvent(key: "a", value: "t1-1", modRevision: 9, previousValue: "t0-1"),
        ]
        let v = TxnChecker.check(h.ops, storeEvents: events)
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("lacks b") })
        let complete = events + [StoreEvent(key: "b", value: "t1-1", modRevision: 9, previousValue: "t0-1")]
        #expect(TxnChecker.check(h.ops, storeEvents: complete).passed)
    }
}

@Suite("Watch streams with multi-key txns")
struct WatchCheckerTxnTests {
    @Test func severalKeysAtOneRevisionAreOneTxn() {
        let events = [
            StoreEvent(key: "a", value: "1", modRevision: 2, previousValue: nil),
            StoreEvent(key: "a", value: "t", modRevision: 3, previousValue: "1"),
            StoreEvent(key: "b", value: "t", modRevision: 3, previousValue: nil),
            StoreEvent(key: "c", value: "2", modRevision: 4, previousValue: nil),
        ]
        #expect(WatchChecker.check(events: events, firstRevision: 2, lastRevision: 4, acknowledged: []).passed)
    }

    @Test func theSameKeyTwiceAtOneRevisionIsARepeat() {
        let events = [
            StoreEvent(key: "a", value: "t", modRevision: 2, previousValue: nil),
            StoreEvent(key: "a", value: "t", modRevision: 2, previousValue: "t"),
        ]
        let v = WatchChecker.check(events: events, firstRevision: 2, lastRevision: 2, acknowledged: [])
        #expect(!v.passed && v.evidence.contains { $0.contains("not ordered or repeated") })
    }
}
