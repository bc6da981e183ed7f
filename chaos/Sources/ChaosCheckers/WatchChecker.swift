/// Checks a watch stream from revision 1 against what clients were told: events ordered by
/// revision, each revision once (a multi-key txn gives one event per key, together), no gap up to the
/// final revision, prev_kv equal to the key's previous event, and every acknowledged write
/// present with its value at its revision.
///
/// Compaction: a watch whose next revision was compacted is cancelled with the compact
/// revision C and resumed from C, so revisions between its last event and C are legitimately
/// unobservable (`compactions`, by position in the stream). C itself and everything after it
/// must still come (etcd's guarantee; #18089 broke it). After such a skip the previous value of
/// a key is unknown until the key's next event. An event at a compaction revision
/// (`compactedAt`) may lack prev_kv: the version before it was compacted away.
public enum WatchChecker {
    public static func check(events: [StoreEvent], firstRevision: Int64, lastRevision: Int64,
                             acknowledged: [RegisterOperation], compactions: [CompactionMark] = [],
                             compactedAt: Set<Int64> = []) -> Verdict {
        var problems: [String] = []
        var previous: Int64 = firstRevision - 1
        var lastValue: [String: String] = [:]
        /// Keys whose previous value is known (nil: all of them, no skip yet).
        var known: Set<String>?
        var byRevision: [Int64: [StoreEvent]] = [:]
        var unobservable: [ClosedRange<Int64>] = []
        var skipTo: [Int: Int64] = [:]
        for mark in compactions { skipTo[mark.afterEvents] = max(skipTo[mark.afterEvents] ?? 0, mark.compactRevision) }
        var resumedAt: Int64?
        func skip(at position: Int) {
            guard let c = skipTo[position], c - 1 > previous else { return }
            unobservable.append((previous + 1)...(c - 1))
            previous = c - 1
            resumedAt = c
            lastValue = [:]
            known = []
        }
        for (n, e) in events.enumerated() {
            skip(at: n)
            // Another key of the txn just seen (its revision's events came before, none on this key).
            let atPrevious = byRevision[previous] ?? []
            let sameTxn = e.modRevision == previous && !atPrevious.isEmpty && !atPrevious.contains { $0.key == e.key }
            if e.modRevision <= previous && !sameTxn {
                problems.append("revision \(e.modRevision) on \(e.key) after revision \(previous): not ordered or repeated")
            } else if e.modRevision > previous + 1 {
                let context = resumedAt == previous + 1 ? " (the watch was compacted at \(previous + 1) and resumed there)" : ""
                problems.append("gap: revisions \(previous + 1)...\(e.modRevision - 1) missing before \(e.key)\(context)")
            }
            resumedAt = nil
            previous = max(previous, e.modRevision)
            let prevKnown = known?.contains(e.key) ?? true
            let prevCompacted = e.previousValue == nil && compactedAt.contains(e.modRevision)
            if prevKnown && !prevCompacted && e.previousValue != lastValue[e.key] {
                problems.append("prev_kv of \(e.key) at revision \(e.modRevision) is \(e.previousValue ?? "nil"), expected \(lastValue[e.key] ?? "nil")")
            }
            known?.insert(e.key)
            lastValue[e.key] = e.isDelete ? nil : e.value
            byRevision[e.modRevision, default: []].append(e)
        }
        skip(at: events.count)
        if previous < lastRevision { problems.append("watch ended at revision \(previous), store is at \(lastRevision)") }
        var excused = 0
        for op in acknowledged {
            guard let r = op.revision else { continue }
            if unobservable.contains(where: { $0.contains(r) }) {
                excused += 1
                continue
            }
            let e = byRevision[r]?.first { $0.key == op.key } ?? byRevision[r]?.first
            if e?.key != op.key || e?.value != op.value {
                problems.append("acknowledged \(op.summary) at revision \(r) not in the watch (found \(e.map { "\($0.key)=\($0.value ?? "nil")" } ?? "nothing"))")
            }
        }
        if !problems.isEmpty {
            return Verdict(check: "watch", passed: false, detail: "\(problems.count) problem(s) in \(events.count) events",
                           evidence: Array(problems.prefix(10)))
        }
        let skipped = unobservable.isEmpty ? ""
            : "; \(unobservable.count) compacted skip(s) over \(unobservable.reduce(0) { $0 + $1.count }) revisions (\(excused) acknowledged writes in them)"
        return Verdict(check: "watch", passed: true,
                       detail: "\(events.count) events, revisions \(firstRevision)...\(lastRevision) in order, no gap, prev_kv correct\(skipped)")
    }
}

/// The watch was cancelled because its next revision was compacted: revisions below
/// `compactRevision` are gone for it, and it resumed from `compactRevision`.
public struct CompactionMark: Codable, Sendable, Equatable {
    /// How many events the watcher had received when the cancel came.
    public var afterEvents: Int
    public var compactRevision: Int64

    public init(afterEvents: Int, compactRevision: Int64) {
        self.afterEvents = afterEvents
        self.compactRevision = compactRevision
    }
}
