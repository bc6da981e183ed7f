import Foundation

/// The in-memory index: every key ever written (and not yet compacted away) → its history.
/// Histories are kept in key order in an array (range scans walk it without hashing) plus a
/// dictionary for point lookups; the index is rebuilt from the backend on open, never persisted.
final class KeyIndex {
    private var ordered: [KeyHistory] = []
    private var byKey: [Data: KeyHistory] = [:]

    var keyCount: Int { ordered.count }

    func history(_ key: Data) -> KeyHistory? { byKey[key] }

    /// The history of `key`, created (and placed in order) if absent.
    func historyCreating(_ key: Data) -> KeyHistory {
        if let h = byKey[key] { return h }
        let h = KeyHistory(key: key)
        byKey[key] = h
        ordered.insert(h, at: lowerBound(key))
        return h
    }

    func put(_ key: Data, _ rev: Revision) { historyCreating(key).put(rev) }

    func tombstone(_ key: Data, _ rev: Revision) {
        guard let h = byKey[key] else { preconditionFailure("tombstone of unknown key") }
        h.tombstone(rev)
    }

    /// Calls `body` for each history in `range`, in key order, until it returns false.
    func forEach(in range: KeyRange, _ body: (KeyHistory) -> Bool) {
        if range.isSingleKey {
            if let h = byKey[range.key] { _ = body(h) }
            return
        }
        var i = lowerBound(range.key)
        while i < ordered.count, !range.isBeyondEnd(ordered[i].key) {
            if !body(ordered[i]) { return }
            i += 1
        }
    }

    /// Histories of the keys in `range`, in key order.
    func histories(in range: KeyRange) -> [KeyHistory] {
        var out: [KeyHistory] = []
        forEach(in: range) { out.append($0); return true }
        return out
    }

    struct Visible {
        var key: Data
        var modified: Revision
        var created: Revision
        var version: Int64
    }

    /// What a reader at `atRev` sees in `range`: the first `maxEntries` entries in key order,
    /// and how many keys there are in total (etcd's count ignores the limit).
    func visible(in range: KeyRange, at atRev: Int64, maxEntries: Int = .max) -> (entries: [Visible], count: Int) {
        var entries: [Visible] = []
        var count = 0
        forEach(in: range) { h in
            if let got = h.get(at: atRev) {
                if entries.count < maxEntries {
                    entries.append(Visible(key: h.key, modified: got.modified, created: got.created, version: got.version))
                }
                count += 1
            }
            return true
        }
        return (entries, count)
    }

    /// Compacts every history at `atRev`; returns the revisions <= atRev that must stay.
    func compact(at atRev: Int64) -> Set<Revision> {
        var keep = Set<Revision>()
        var emptied = false
        for h in ordered {
            h.compact(at: atRev, keep: &keep)
            if h.isEmpty {
                byKey[h.key] = nil
                emptied = true
            }
        }
        if emptied { ordered.removeAll { $0.isEmpty } }
        return keep
    }

    /// The revisions <= atRev that a compaction at atRev would keep (for HashKV).
    func keep(at atRev: Int64) -> Set<Revision> {
        var keep = Set<Revision>()
        for h in ordered { h.keep(at: atRev, into: &keep) }
        return keep
    }

    private func lowerBound(_ key: Data) -> Int {
        var lo = 0, hi = ordered.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(ordered[mid].key, key) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
