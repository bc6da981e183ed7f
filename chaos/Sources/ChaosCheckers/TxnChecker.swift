/// Checks whole-store multi-key transactions for strict serializability against revisions.
///
/// Revisions give the serial order: every committed writing txn has a revision of its own,
/// and each key it put carries that revision as its mod revision. Replaying the writes in
/// revision order on a model gives the state at any revision; every read must return the
/// model's state at its header revision, every cas that held must have held on the model, and
/// revisions must respect real time (an operation that completed before another was invoked
/// has a revision no larger; strictly smaller when the later one writes).
///
/// Unknown-outcome writes are placed by their value (unique to the txn) wherever a read or the
/// store's own history shows it; one never seen counts as not applied — that hides nothing,
/// since no read could have depended on it.
public enum TxnChecker {
    public static let checkName = "txn-serializability"

    public static func check(_ history: [TxnOperation], storeEvents: [StoreEvent] = []) -> Verdict {
        var problems: [String] = []
        let writers = writersByValue(history, &problems)
        let placed = placeWrites(history, writers: writers, storeEvents: storeEvents, &problems)
        let model = TxnModel(history: history, commits: placed.commits, &problems)
        checkStoreEventsComplete(history, commits: placed.commits, storeEvents: storeEvents, &problems)
        let reads = checkReads(history, model: model, &problems)
        checkCompares(history, commits: placed.commits, model: model, &problems)
        checkRealTime(history, commits: placed.commits, &problems)

        let writes = placed.commits.count
        let unknown = history.filter { $0.outcome == .unknown && $0.kind != .read }.count
        let counts = "\(history.count) txns (\(reads) reads checked, \(writes) committed writes; \(unknown) unknown writes: "
            + "\(placed.unknownApplied) found applied, \(unknown - placed.unknownApplied) never seen)"
        if !problems.isEmpty {
            return Verdict(check: checkName, passed: false, detail: "\(problems.count) violation(s) in \(counts)",
                           evidence: Array(problems.prefix(12)))
        }
        return Verdict(check: checkName, passed: true,
                       detail: "\(counts): one revision per write, every read equals the model at its revision, real-time order kept")
    }

    /// The txn that put each value (values are unique per txn; a repeat is a workload error).
    static func writersByValue(_ history: [TxnOperation], _ problems: inout [String]) -> [String: Int] {
        var writers: [String: Int] = [:]
        for (i, op) in history.enumerated() where op.kind != .read {
            guard let v = op.value else { continue }
            if let other = writers[v] {
                problems.append("value \(v) put by two txns: \(history[other].summary) and \(op.summary)")
            } else {
                writers[v] = i
            }
        }
        return writers
    }

    struct Placement {
        /// Committed writing txns: history index → revision.
        var commits: [Int: Int64] = [:]
        var unknownApplied = 0
    }

    /// Every observed value must come from a txn that may have written it to that key; the
    /// mod revisions it was seen with give the revision of an unknown txn and must equal the
    /// revision an acknowledged txn was told.
    static func placeWrites(_ history: [TxnOperation], writers: [String: Int], storeEvents: [StoreEvent],
                            _ problems: inout [String]) -> Placement {
        var seenAt: [Int: Set<Int64>] = [:]
        func observe(key: String, value: String?, modRevision: Int64, source: String) {
            guard let value else {
                if modRevision != 0 { problems.append("\(source): \(key) absent with mod revision \(modRevision)") }
                return
            }
            guard let w = writers[value] else {
                problems.append("\(source): \(key)=\(value)@\(modRevision), a value no client ever wrote")
                return
            }
            let writer = history[w]
            if !writer.mayWrite {
                problems.append("\(source): \(key)=\(value)@\(modRevision), the value of a txn that was not applied: \(writer.summary)")
            } else if !writer.writeKeys.contains(key) {
                problems.append("\(source): \(key)=\(value)@\(modRevision), but that txn did not write \(key): \(writer.summary)")
            } else {
                seenAt[w, default: []].insert(modRevision)
            }
        }
        for op in history where op.isRead {
            for s in op.observed { observe(key: s.key, value: s.value, modRevision: s.modRevision, source: op.summary) }
        }
        for e in storeEvents {
            if e.isDelete {
                problems.append("store history: delete of \(e.key) at revision \(e.modRevision), which no client issued")
            } else {
                observe(key: e.key, value: e.value, modRevision: e.modRevision, source: "store history")
            }
        }
        var placement = Placement()
        for (i, op) in history.enumerated() where op.mayWrite {
            let seen = seenAt[i] ?? []
            if op.wroteForSure, let r = op.revision {
                placement.commits[i] = r
                if let other = seen.first(where: { $0 != r }) {
                    problems.append("\(op.summary): its value was seen with mod revision \(other), not the txn's revision \(r)")
                }
            } else if op.outcome == .unknown, let r = seen.min() {
                placement.commits[i] = r
                placement.unknownApplied += 1
                if seen.count > 1 {
                    problems.append("\(op.summary): its value was seen with mod revisions \(seen.sorted()): not one atomic txn")
                }
            }
        }
        return placement
    }

    /// With the store's history at hand, a committed txn must have put every key at its revision.
    static func checkStoreEventsComplete(_ history: [TxnOperation], commits: [Int: Int64], storeEvents: [StoreEvent],
                                         _ problems: inout [String]) {
        guard !storeEvents.isEmpty else { return }
        var present = Set<String>()
        for e in storeEvents where !e.isDelete { present.insert("\(e.key)\u{0}\(e.value ?? "")\u{0}\(e.modRevision)") }
        for (i, r) in commits.sorted(by: { $0.value < $1.value }) {
            let op = history[i]
            let missing = op.writeKeys.filter { !present.contains("\($0)\u{0}\(op.value ?? "")\u{0}\(r)") }
            if !missing.isEmpty {
                problems.append("\(op.summary): committed at revision \(r) but the store history lacks \(missing.joined(separator: ",")) there (not atomic)")
            }
        }
    }

    /// Every key a read returned must equal the model's state at the read's revision.
    static func checkReads(_ history: [TxnOperation], model: TxnModel, _ problems: inout [String]) -> Int {
        var checked = 0
        for op in history where op.isRead {
            guard let r = op.revision else { continue }
            checked += 1
            for s in op.observed {
                let want = model.state(of: s.key, atOrBefore: r)
                if want.value != s.value || want.modRevision != s.modRevision {
                    let kind = s.modRevision > r ? "a write from the future" : (s.modRevision < want.modRevision ? "stale" : "wrong")
                    problems.append("\(op.summary): \(kind) read of \(s.key) at revision \(r): saw \(s.value ?? "nil")@\(s.modRevision), "
                        + "the committed txns give \(want.value ?? "nil")@\(want.modRevision)")
                }
            }
        }
        return checked
    }

    /// A cas that held must have held on the model just before its revision; one that failed
    /// must have seen at least one key differ from its expectation.
    static func checkCompares(_ history: [TxnOperation], commits: [Int: Int64], model: TxnModel, _ problems: inout [String]) {
        for (i, op) in history.enumerated() where op.kind == .cas {
            if let r = commits[i] {
                for c in op.compares {
                    let before = model.state(of: c.key, atOrBefore: r - 1)
                    if before.modRevision != c.modRevision {
                        problems.append("\(op.summary): held at revision \(r) though \(c.key) had mod revision \(before.modRevision)")
                    }
                }
            } else if op.outcome == .ok, op.succeeded == false {
                let seen = Dictionary(op.observed.map { ($0.key, $0.modRevision) }, uniquingKeysWith: { a, _ in a })
                if op.compares.allSatisfy({ seen[$0.key] == $0.modRevision }) {
                    problems.append("\(op.summary): compares failed although every key had the expected mod revision")
                }
            }
        }
    }

    /// If A completed before B was invoked, rev(A) ≤ rev(B), and rev(A) < rev(B) when B writes.
    static func checkRealTime(_ history: [TxnOperation], commits: [Int: Int64], _ problems: inout [String]) {
        struct Point { var index: Int; var invoke: UInt64; var complete: UInt64?; var revision: Int64; var writes: Bool }
        var points: [Point] = []
        for (i, op) in history.enumerated() {
            if let r = commits[i] {
                points.append(Point(index: i, invoke: op.invokeNanos, complete: op.completeNanos, revision: r, writes: true))
            } else if op.outcome == .ok, let r = op.revision {
                points.append(Point(index: i, invoke: op.invokeNanos, complete: op.completeNanos, revision: r, writes: false))
            }
        }
        let completed = points.filter { $0.complete != nil }.sorted { $0.complete! < $1.complete! }
        var next = 0
        var latest: Point?
        for b in points.sorted(by: { $0.invoke < $1.invoke }) {
            while next < completed.count, completed[next].complete! < b.invoke {
                if latest == nil || completed[next].revision > latest!.revision { latest = completed[next] }
                next += 1
            }
            guard let a = latest else { continue }
            if b.revision < a.revision || (b.writes && b.revision == a.revision) {
                problems.append("real time: \(history[b.index].summary) has revision \(b.revision), but "
                    + "\(history[a.index].summary) completed before it was invoked with revision \(a.revision)")
            }
        }
    }
}

/// The committed writes replayed in revision order: each key's versions, oldest first.
struct TxnModel {
    struct Version { var revision: Int64; var value: String }
    private var versions: [String: [Version]] = [:]

    init(history: [TxnOperation], commits: [Int: Int64], _ problems: inout [String]) {
        var byRevision: [Int64: Int] = [:]
        for (i, r) in commits.sorted(by: { $0.value < $1.value }) {
            if let other = byRevision[r] {
                problems.append("two writing txns at revision \(r): \(history[other].summary) and \(history[i].summary)")
                continue
            }
            byRevision[r] = i
            for key in history[i].writeKeys { versions[key, default: []].append(Version(revision: r, value: history[i].value ?? "")) }
        }
    }

    /// The key's value and mod revision after every write at or before `revision`.
    func state(of key: String, atOrBefore revision: Int64) -> (value: String?, modRevision: Int64) {
        guard let list = versions[key] else { return (nil, 0) }
        // Binary search for the last version with revision ≤ the one asked for.
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].revision <= revision { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? (nil, 0) : (list[low - 1].value, list[low - 1].revision)
    }
}
