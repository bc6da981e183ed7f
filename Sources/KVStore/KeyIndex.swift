import Foundation

/// The in-memory index: every key ever written (and not yet compacted away) → its history.
/// Histories are kept in a B+ tree (`KeyTree`): O(log n) lookups and inserts, ordered range
/// scans, and no second hash table (memory matters at millions of keys). The index is rebuilt
/// from the backend on open, never persisted.
final class KeyIndex {
    private let tree = KeyTree<KeyHistory>()

    var keyCount: Int { tree.count }

    func history(_ key: Data) -> KeyHistory? { tree.value(for: key) }

    /// The history of `key`, created (and placed in order) if absent.
    func historyCreating(_ key: Data) -> KeyHistory {
        tree.valueInserting(key) { KeyHistory(key: key) }
    }

    func put(_ key: Data, _ rev: Revision) { historyCreating(key).put(rev) }

    func tombstone(_ key: Data, _ rev: Revision) {
        guard let h = tree.value(for: key) else { preconditionFailure("tombstone of unknown key") }
        h.tombstone(rev)
    }

    /// Calls `body` for each history in `range`, in key order, until it returns false.
    func forEach(in range: KeyRange, _ body: (KeyHistory) -> Bool) {
        if range.isSingleKey {
            if let h = tree.value(for: range.key) { _ = body(h) }
            return
        }
        tree.forEach(from: range.key) { key, h in
            !range.isBeyondEnd(key) && body(h)
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
        tree.forEach { _, h in
            h.compact(at: atRev, keep: &keep)
            if h.isEmpty { emptied = true }
            return true
        }
        if emptied { tree.removeAll { _, h in h.isEmpty } }
        return keep
    }

    /// The revisions <= atRev that a compaction at atRev would keep (for HashKV).
    func keep(at atRev: Int64) -> Set<Revision> {
        var keep = Set<Revision>()
        tree.forEach { _, h in h.keep(at: atRev, into: &keep); return true }
        return keep
    }
}
