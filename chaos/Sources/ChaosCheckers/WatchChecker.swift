/// Checks a watch stream from revision 1 against what clients were told: events ordered by
/// revision, each revision once (a multi-key txn gives one event per key, together), no gap up to the
/// final revision, prev_kv equal to the key's previous event, and every acknowledged write
/// present with its value at its revision.
public enum WatchChecker {
    public static func check(events: [StoreEvent], firstRevision: Int64, lastRevision: Int64,
                             acknowledged: [RegisterOperation]) -> Verdict {
        var problems: [String] = []
        var previous: Int64 = firstRevision - 1
        var lastValue: [String: String] = [:]
        var byRevision: [Int64: [StoreEvent]] = [:]
        for e in events {
            // Another key of the txn just seen (its revision's events came before, none on this key).
            let atPrevious = byRevision[previous] ?? []
            let sameTxn = e.modRevision == previous && !atPrevious.isEmpty && !atPrevious.contains { $0.key == e.key }
            if e.modRevision <= previous && !sameTxn {
                problems.append("revision \(e.modRevision) on \(e.key) after revision \(previous): not ordered or repeated")
            } else if e.modRevision > previous + 1 {
                problems.append("gap: revisions \(previous + 1)...\(e.modRevision - 1) missing before \(e.key)")
            }
            previous = max(previous, e.modRevision)
            if e.previousValue != lastValue[e.key] {
                problems.append("prev_kv of \(e.key) at revision \(e.modRevision) is \(e.previousValue ?? "nil"), expected \(lastValue[e.key] ?? "nil")")
            }
            lastValue[e.key] = e.isDelete ? nil : e.value
            byRevision[e.modRevision, default: []].append(e)
        }
        if previous < lastRevision { problems.append("watch ended at revision \(previous), store is at \(lastRevision)") }
        for op in acknowledged {
            guard let r = op.revision else { continue }
            let e = byRevision[r]?.first { $0.key == op.key } ?? byRevision[r]?.first
            if e?.key != op.key || e?.value != op.value {
                problems.append("acknowledged \(op.summary) at revision \(r) not in the watch (found \(e.map { "\($0.key)=\($0.value ?? "nil")" } ?? "nothing"))")
            }
        }
        if !problems.isEmpty {
            return Verdict(check: "watch", passed: false, detail: "\(problems.count) problem(s) in \(events.count) events",
                           evidence: Array(problems.prefix(10)))
        }
        return Verdict(check: "watch", passed: true,
                       detail: "\(events.count) events, revisions \(firstRevision)...\(lastRevision) in order, no gap, prev_kv correct")
    }
}
