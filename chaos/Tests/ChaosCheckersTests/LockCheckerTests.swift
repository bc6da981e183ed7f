import ChaosCheckers
import Testing

@Suite("Locks: holds never overlap, fenced writes stay inside their hold")
struct LockCheckerTests {
    static let name = "l/m"

    static func lock(_ client: Int, hold: Int = 1, lease: Int64, at revision: Int64) -> LockOperation {
        LockOperation(id: client * 100 + hold, client: client, hold: hold, kind: .lock, lockName: name, lease: lease,
                      invokeNanos: 0, completeNanos: 1, outcome: .ok, key: key(lease), revision: revision)
    }

    static func write(_ client: Int, hold: Int = 1, lease: Int64, created: Int64, at revision: Int64, value: String) -> LockOperation {
        LockOperation(id: client * 100 + hold + 10, client: client, hold: hold, kind: .fencedWrite, lockName: name, lease: lease,
                      invokeNanos: 2, completeNanos: 3, outcome: .ok, key: key(lease), revision: revision,
                      createRevision: created, succeeded: true, recordKey: "l/record", value: value)
    }

    static func unlock(_ client: Int, hold: Int = 1, lease: Int64, at revision: Int64) -> LockOperation {
        LockOperation(id: client * 100 + hold + 20, client: client, hold: hold, kind: .unlock, lockName: name, lease: lease,
                      invokeNanos: 4, completeNanos: 5, outcome: .ok, key: key(lease), revision: revision)
    }

    static func key(_ lease: Int64) -> String { "\(name)/\(String(lease, radix: 16))" }
    static func put(_ key: String, _ value: String = "", at revision: Int64, previous: String? = nil) -> StoreEvent {
        StoreEvent(key: key, value: value, modRevision: revision, previousValue: previous)
    }
    static func delete(_ key: String, at revision: Int64, previous: String? = "") -> StoreEvent {
        StoreEvent(key: key, isDelete: true, value: nil, modRevision: revision, previousValue: previous)
    }

    /// Client 1 (lease a) locks at 2 and writes at 3; client 2 (lease b) queues at 4; a unlocks
    /// at 5; b holds from 5, writes at 6, unlocks at 7.
    static let sequentialEvents: [StoreEvent] = [
        put(key(0xa), at: 2), put("l/record", "a1", at: 3), put(key(0xb), at: 4),
        delete(key(0xa), at: 5), put("l/record", "b1", at: 6, previous: "a1"), delete(key(0xb), at: 7),
    ]

    @Test func sequentialHoldsWithFencedWritesPass() {
        let ops = [
            Self.lock(1, lease: 0xa, at: 2), Self.write(1, lease: 0xa, created: 2, at: 3, value: "a1"), Self.unlock(1, lease: 0xa, at: 5),
            Self.lock(2, lease: 0xb, at: 5), Self.write(2, lease: 0xb, created: 4, at: 6, value: "b1"), Self.unlock(2, lease: 0xb, at: 7),
        ]
        let v = LockChecker.check(ops, events: Self.sequentialEvents, lastRevision: 7)
        #expect(v.passed, "\(v.evidence)")
        #expect(v.detail.contains("2 holds"))
    }

    @Test func overlappingHoldsAreCaught() {
        // b is told it holds at 4 while a still holds (a's key deleted only at 5).
        let ops = [Self.lock(1, lease: 0xa, at: 2), Self.lock(2, lease: 0xb, at: 4), Self.unlock(1, lease: 0xa, at: 5)]
        let v = LockChecker.check(ops, events: Self.sequentialEvents, lastRevision: 7)
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("holds overlap") && $0.contains("c1/h1") && $0.contains("c2/h1") })
    }

    @Test func aLockAcknowledgedAfterItsLeaseEndedIsCaught() {
        // etcd #11456: b waited behind a, b's lease expired at 4 (its key deleted), a unlocked
        // at 5, and b was still told it holds the lock at 5 — while c, queued behind b, holds.
        let events: [StoreEvent] = [
            Self.put(Self.key(0xa), at: 2), Self.put(Self.key(0xb), at: 3), Self.delete(Self.key(0xb), at: 4),
            Self.put(Self.key(0xc), at: 5), Self.delete(Self.key(0xa), at: 6),
        ]
        let ops = [Self.lock(1, lease: 0xa, at: 2), Self.lock(2, lease: 0xb, at: 6), Self.lock(3, lease: 0xc, at: 6)]
        let v = LockChecker.check(ops, events: events, lastRevision: 6)
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("lease b") && $0.contains("deleted at rev 4") })
    }

    @Test func aFencedWriteOutsideItsHoldIsCaught() {
        // a's write at 6 came after a's key was deleted at 5.
        let events = Self.sequentialEvents.filter { $0.modRevision != 6 } + [Self.put("l/record", "a2", at: 6, previous: "a1")]
        let ops = [Self.lock(1, lease: 0xa, at: 2), Self.write(1, lease: 0xa, created: 2, at: 6, value: "a2")]
        let v = LockChecker.check(ops, events: events, lastRevision: 7)
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("outside its hold") })
    }

    @Test func anUnknownLockIsNotAHold() {
        // A Lock that never answered may have queued a key; only acknowledged holds count.
        var unknown = Self.lock(2, lease: 0xb, at: 4)
        unknown.outcome = .unknown
        let ops = [Self.lock(1, lease: 0xa, at: 2), unknown, Self.unlock(1, lease: 0xa, at: 5)]
        #expect(LockChecker.check(ops, events: Self.sequentialEvents, lastRevision: 7).passed)
    }
}
