// The node's log: durable storage plus the unstable tail, with the committed and applied
// cursors. Invariant: applied ≤ applying ≤ committed ≤ lastIndex.

struct RaftLog {
    let storage: LogStorage
    var unstable: UnstableLog
    var committed: LogIndex
    var applied: LogIndex
    /// The last committed entry handed to the application (by a Ready or by
    /// `RawNode.takeDurableCommitted`), applied or not yet: nothing is handed out twice.
    var applying: LogIndex
    /// Bound on the bytes of committed entries handed out in one Ready.
    let maxApplyBytes: UInt64

    init(storage: LogStorage, maxApplyBytes: UInt64) {
        self.storage = storage
        let first = storage.firstIndex()
        let last = storage.lastIndex()
        unstable = UnstableLog(offset: last + 1)
        committed = first - 1
        applied = first - 1
        applying = first - 1
        self.maxApplyBytes = maxApplyBytes
    }

    var firstIndex: LogIndex { unstable.firstIndex ?? storage.firstIndex() }
    var lastIndex: LogIndex { unstable.lastIndex ?? storage.lastIndex() }
    var lastTerm: Term { (try? term(at: lastIndex)) ?? 0 }

    func term(at i: LogIndex) throws -> Term {
        let dummy = firstIndex - 1
        if i < dummy { throw StorageError.compacted }
        if i > lastIndex { throw StorageError.unavailable }
        if let t = unstable.term(at: i) { return t }
        return try storage.term(at: i)
    }

    func termOrZero(_ i: LogIndex) -> Term { (try? term(at: i)) ?? 0 }

    func matchTerm(_ i: LogIndex, _ t: Term) -> Bool {
        guard let got = try? term(at: i) else { return false }
        return got == t
    }

    /// §5.4.1: a candidate's log is at least as up-to-date as ours.
    func isUpToDate(lastIndex li: LogIndex, term t: Term) -> Bool {
        t > lastTerm || (t == lastTerm && li >= lastIndex)
    }

    /// The first entry in `ents` that is new or conflicts with the log (0 if all match).
    func findConflict(_ ents: [Entry]) -> LogIndex {
        for e in ents where !matchTerm(e.index, e.term) { return e.index }
        return 0
    }

    /// The largest index ≤ `index` whose term is ≤ `t` (or the compaction boundary): the first
    /// index that could possibly match a log whose entry at `index` had term `t`.
    func findConflictByTerm(_ index: LogIndex, _ t: Term) -> LogIndex {
        var i = min(index, lastIndex)
        while i > 0 {
            guard let ti = try? term(at: i) else { break }
            if ti <= t { break }
            i -= 1
        }
        return i
    }

    /// Follower side of §5.3: append `ents` after (index, logTerm) if that entry matches.
    /// Returns the last index known to match the leader, or nil on mismatch.
    mutating func maybeAppend(index: LogIndex, logTerm: Term, committed leaderCommit: LogIndex,
                              entries ents: [Entry], keepConflictingSuffix: Bool) -> LogIndex? {
        guard matchTerm(index, logTerm) else { return nil }
        let lastNew = index + UInt64(ents.count)
        let ci = findConflict(ents)
        if ci != 0 {
            if keepConflictingSuffix && ci <= lastIndex {
                // Canary: keep our own (conflicting) entries, only add what lies beyond them.
                let beyond = ents.filter { $0.index > lastIndex }
                if !beyond.isEmpty { append(beyond) }
            } else {
                precondition(ci > committed, "entry \(ci) conflicts with committed entry (committed \(committed))")
                append(Array(ents[Int(ci.rawValue - index.rawValue - 1)...]))
            }
        }
        commit(to: min(leaderCommit, lastNew))
        return lastNew
    }

    @discardableResult
    mutating func append(_ ents: [Entry]) -> LogIndex {
        guard let first = ents.first else { return lastIndex }
        precondition(first.index - 1 >= committed, "append at \(first.index) would overwrite committed \(committed)")
        unstable.truncateAndAppend(ents)
        return lastIndex
    }

    mutating func commit(to index: LogIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) is beyond last index \(lastIndex)")
        committed = index
    }

    /// Leader side: commit `index` if it belongs to the current term (§5.4.2).
    mutating func maybeCommit(_ index: LogIndex, term: Term, anyTerm: Bool) -> Bool {
        guard index > committed else { return false }
        guard anyTerm || termOrZero(index) == term else { return false }
        commit(to: index)
        return true
    }

    mutating func applied(to i: LogIndex) {
        guard i != 0 else { return }
        precondition(i <= committed && i >= applied, "applied(\(i)) out of range [\(applied), \(committed)]")
        applied = i
        if applying < i { applying = i }
    }

    mutating func stableTo(index: LogIndex, term: Term) { unstable.stableTo(index: index, term: term) }
    mutating func stableSnapshotTo(_ i: LogIndex) { unstable.stableSnapshotTo(i) }

    var unstableEntries: [Entry] { unstable.entries }

    /// Committed entries not yet handed out, up to `limit`, bounded in size.
    func nextEntries(upTo limit: LogIndex = .max) -> [Entry] {
        let off = max(max(applied, applying) + 1, firstIndex)
        let end = min(committed, limit)
        guard end + 1 > off else { return [] }
        return (try? slice(off, end + 1, maxBytes: maxApplyBytes)) ?? []
    }

    var hasNextEntries: Bool { committed + 1 > max(max(applied, applying) + 1, firstIndex) }

    mutating func handedOut(_ entries: [Entry]) {
        if let last = entries.last?.index, last > applying { applying = last }
    }

    func snapshot() throws -> Snapshot {
        if let s = unstable.snapshot { return s }
        return try storage.snapshot()
    }

    /// Entries from `i` to the end, bounded by `maxBytes`.
    func entries(from i: LogIndex, maxBytes: UInt64) throws -> [Entry] {
        guard i <= lastIndex else { return [] }
        return try slice(i, lastIndex + 1, maxBytes: maxBytes)
    }

    mutating func restore(_ s: Snapshot) {
        committed = s.metadata.index
        unstable.restore(s)
    }

    /// Entries in [lo, hi), drawn from storage and then the unstable tail.
    func slice(_ lo: LogIndex, _ hi: LogIndex, maxBytes: UInt64) throws -> [Entry] {
        precondition(lo <= hi, "slice: lo \(lo) > hi \(hi)")
        if lo == hi { return [] }
        if lo < firstIndex { throw StorageError.compacted }
        precondition(hi <= lastIndex + 1, "slice [\(lo),\(hi)) beyond last index \(lastIndex)")
        var out: [Entry] = []
        if lo < unstable.offset {
            let stored = try storage.entries(from: lo, to: min(hi, unstable.offset), maxBytes: maxBytes)
            // Storage stopped early because of the size limit: do not look further.
            if UInt64(stored.count) < min(hi, unstable.offset).rawValue - lo.rawValue { return stored }
            out = stored
        }
        if hi > unstable.offset {
            out.append(contentsOf: unstable.slice(max(lo, unstable.offset), hi))
        }
        return limitSize(out, maxBytes: maxBytes)
    }
}
