/// Checks the lock workload against the store's own history (a watch from revision 1).
/// A hold is an acknowledged Lock: it starts at the revision of Lock's answer and ends when
/// its lock key is deleted (Unlock, or its lease expiring or revoked). Locks in etcd are
/// leases, so a holder may lose the lock without knowing it; that is why writes are fenced.
/// What must hold:
/// - at the revision Lock answered with, the lock key exists (its session lease was alive:
///   etcd #11456 acknowledged a Lock whose lease had ended while it waited);
/// - holds of one lock never overlap in revisions;
/// - a fenced write that succeeded lies inside its hold, fenced on that hold's key version,
///   and is in the store at its revision;
/// - after an acknowledged Unlock the key is gone.
public enum LockChecker {
    /// One acknowledged hold, placed in the store's history.
    public struct Hold: Sendable, Equatable {
        public var lockName: String
        public var client: Int
        public var hold: Int
        public var key: String
        /// The lock key's create revision.
        public var createRevision: Int64
        /// The revision Lock answered with.
        public var from: Int64
        /// The revision the key was deleted at (nil: still there at the end of the history).
        public var until: Int64?

        func contains(_ revision: Int64) -> Bool { revision >= from && until.map { revision < $0 } ?? true }
        var name: String { "c\(client)/h\(hold) \(key) [\(from), \(until.map(String.init) ?? "end"))" }
    }

    public static func check(_ operations: [LockOperation], events: [StoreEvent], lastRevision: Int64) -> Verdict {
        let timeline = KeyTimeline(events)
        var problems: [String] = []
        var holds: [HoldID: Hold] = [:]
        let locks = operations.filter { $0.kind == .lock && $0.outcome == .ok }
        for op in locks {
            switch place(op, timeline, lastRevision: lastRevision) {
            case .success(let hold): holds[HoldID(client: op.client, hold: op.hold)] = hold
            case .failure(let problem): problems.append(problem.text)
            }
        }
        problems += overlaps(Array(holds.values))
        let writes = operations.filter { $0.kind == .fencedWrite && $0.outcome == .ok && $0.succeeded == true }
        for op in writes { problems += fenced(op, holds[HoldID(client: op.client, hold: op.hold)], timeline) }
        for op in operations where op.kind == .unlock && op.outcome == .ok {
            problems += unlocked(op, holds[HoldID(client: op.client, hold: op.hold)])
        }
        let failed = operations.filter { $0.kind == .lock && $0.outcome != .ok }.count
        if !problems.isEmpty {
            return Verdict(check: "locks", passed: false,
                           detail: "\(problems.count) problem(s) in \(locks.count) acknowledged locks, \(writes.count) fenced writes",
                           evidence: Array(problems.prefix(10)))
        }
        let names = Set(holds.values.map(\.lockName)).count
        return Verdict(check: "locks", passed: true,
                       detail: "\(holds.count) holds of \(names) lock(s) never overlap, each key alive when acknowledged; \(writes.count) fenced writes inside their holds (\(failed) Lock calls failed)")
    }

    struct HoldID: Hashable {
        var client: Int
        var hold: Int
    }

    struct Problem: Error {
        var text: String
    }

    /// The hold an acknowledged Lock stands for, or why it is not a hold.
    static func place(_ op: LockOperation, _ timeline: KeyTimeline, lastRevision: Int64) -> Result<Hold, Problem> {
        guard let key = op.key, let at = op.revision else {
            return .failure(Problem(text: "\(op.summary): acknowledged without a key or revision"))
        }
        guard at <= lastRevision else {
            return .failure(Problem(text: "\(op.summary): revision beyond the store history read (\(lastRevision))"))
        }
        guard let last = timeline.last(key, atOrBefore: at) else {
            return .failure(Problem(text: "\(op.summary): the lock key did not exist at that revision"))
        }
        if last.isDelete {
            return .failure(Problem(text: "\(op.summary): the lock key (lease \(String(op.lease, radix: 16))) was deleted at rev \(last.modRevision), before Lock answered: two holders"))
        }
        let until = timeline.firstDelete(key, after: at)
        return .success(Hold(lockName: op.lockName, client: op.client, hold: op.hold, key: key,
                             createRevision: timeline.created(key, atOrBefore: at) ?? last.modRevision, from: at, until: until))
    }

    /// Holds of one lock, in revision order, may not overlap.
    static func overlaps(_ holds: [Hold]) -> [String] {
        var problems: [String] = []
        for group in Dictionary(grouping: holds, by: \.lockName).values {
            let sorted = group.sorted { ($0.from, $0.client) < ($1.from, $1.client) }
            for (i, a) in sorted.enumerated() {
                for b in sorted[(i + 1)...] {
                    guard a.contains(b.from) else { break }
                    problems.append("lock \(a.lockName): holds overlap: \(a.name) and \(b.name)")
                }
            }
        }
        return problems
    }

    static func fenced(_ op: LockOperation, _ hold: Hold?, _ timeline: KeyTimeline) -> [String] {
        guard let hold else { return ["\(op.summary): succeeded without an acknowledged hold"] }
        guard let at = op.revision else { return ["\(op.summary): succeeded without a revision"] }
        var problems: [String] = []
        if !hold.contains(at) { problems.append("\(op.summary): outside its hold \(hold.name)") }
        if op.createRevision != hold.createRevision {
            problems.append("\(op.summary): fenced on create rev \(op.createRevision ?? 0), the hold's key was created at \(hold.createRevision)")
        }
        if let record = op.recordKey {
            let stored = timeline.last(record, atOrBefore: at)
            if stored?.modRevision != at || stored?.value != op.value {
                problems.append("\(op.summary): not in the store at rev \(at) (found \(stored.map { "\($0.value ?? "delete") at \($0.modRevision)" } ?? "nothing"))")
            }
        }
        return problems
    }

    static func unlocked(_ op: LockOperation, _ hold: Hold?) -> [String] {
        guard let hold, let at = op.revision else { return [] }
        if let until = hold.until, until <= at { return [] }
        return ["\(op.summary): acknowledged at rev \(at) but \(hold.key) was still there (deleted at \(hold.until.map(String.init) ?? "never"))"]
    }
}

/// The store's events per key, in revision order.
struct KeyTimeline {
    private var byKey: [String: [StoreEvent]] = [:]

    init(_ events: [StoreEvent]) {
        for e in events { byKey[e.key, default: []].append(e) }
        for k in byKey.keys { byKey[k]!.sort { $0.modRevision < $1.modRevision } }
    }

    func last(_ key: String, atOrBefore revision: Int64) -> StoreEvent? {
        byKey[key]?.last { $0.modRevision <= revision }
    }

    func firstDelete(_ key: String, after revision: Int64) -> Int64? {
        byKey[key]?.first { $0.isDelete && $0.modRevision > revision }?.modRevision
    }

    /// The revision the key's current version was created at (its last put after a delete).
    func created(_ key: String, atOrBefore revision: Int64) -> Int64? {
        guard let events = byKey[key]?.filter({ $0.modRevision <= revision }) else { return nil }
        var created: Int64?
        for e in events { created = e.isDelete ? nil : (created ?? e.modRevision) }
        return created
    }
}
