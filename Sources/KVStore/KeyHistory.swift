import Foundation

/// The revisions of one key, grouped into generations. A generation is the life of the key
/// from a create to a delete: it starts with the put that (re)creates the key and ends with the
/// tombstone revision written by the delete. The last generation is the current one; it is
/// empty while the key is deleted.
///
/// Worked example, for key "foo":
///
///     put(2.0) put(3.0) delete(4.0) put(5.0) put(6.1) delete(7.0)
///
///     generations:  [ {created 2.0, version 3: 2.0 3.0 4.0(t)},
///                     {created 5.0, version 3: 5.0 6.1 7.0(t)},
///                     {empty} ]
///
/// - get(at: 3) finds the first generation (it began at 2 and its tombstone 4 > 3) and its
///   largest revision <= 3: mod 3.0, create 2.0, version 2.
/// - get(at: 4) sees the tombstone 4 <= 4 in a finished generation: the key does not exist.
/// - get(at: 6) gives mod 6.1, create 5.0, version 2 (the version restarts in a generation).
///
/// Compaction at revision R keeps, for each key, the largest revision <= R (the value a
/// reader at R would see) and drops everything older; a kept revision that is a tombstone is
/// dropped too, and so is every generation that ended at or before R:
///
///     compact(3): [ {3.0 4.0(t)}, {5.0 6.1 7.0(t)}, {empty} ]   keeps 3.0
///     compact(4): [ {5.0 6.1 7.0(t)}, {empty} ]                  keeps nothing of gen 1
///     compact(6): [ {6.1 7.0(t)}, {empty} ]                      keeps 6.1
///     compact(7): [ {empty} ]  → the key is removed from the index
final class KeyHistory {
    struct Generation {
        /// Version of the key at the last revision of this generation.
        var version: Int64
        var created: Revision
        var revisions: InlineFirstArray<Revision>

        var isEmpty: Bool { revisions.isEmpty }
    }

    let key: Data
    private(set) var modified: Revision
    private(set) var generations: InlineFirstArray<Generation>

    init(key: Data) {
        self.key = key
        modified = Revision(main: 0)
        generations = [Generation(version: 0, created: Revision(main: 0), revisions: [])]
    }

    /// True when nothing is left (all generations compacted away).
    var isEmpty: Bool { generations.count == 1 && generations[0].isEmpty }

    /// True when the key currently exists (its current generation has revisions).
    var isLive: Bool { !(generations.last?.isEmpty ?? true) }

    func put(_ rev: Revision) {
        precondition(rev > modified, "put \(rev) not after \(modified) for key \(key)")
        let last = generations.count - 1
        if generations[last].isEmpty { generations[last].created = rev }
        generations[last].revisions.append(rev)
        generations[last].version += 1
        modified = rev
    }

    /// Rebuilds the first known revision of a generation after compaction removed its start:
    /// the stored value carries its create revision and version.
    func restore(created: Revision, modified rev: Revision, version: Int64) {
        precondition(isEmpty, "restore on non-empty history of \(key)")
        generations = [Generation(version: version, created: created, revisions: [rev])]
        modified = rev
    }

    func tombstone(_ rev: Revision) {
        precondition(isLive, "tombstone on deleted key \(key)")
        put(rev)
        generations.append(Generation(version: 0, created: Revision(main: 0), revisions: []))
    }

    /// The revision visible at `atRev`, with its create revision and version; nil if the key did
    /// not exist then.
    func get(at atRev: Int64) -> (modified: Revision, created: Revision, version: Int64)? {
        guard let g = generationIndex(at: atRev) else { return nil }
        let gen = generations[g]
        guard let n = gen.revisions.lastIndex(where: { $0.main <= atRev }) else { return nil }
        let version = gen.version - Int64(gen.revisions.count - n - 1)
        return (gen.revisions[n], gen.created, version)
    }

    private func generationIndex(at atRev: Int64) -> Int? {
        let lastIndex = generations.count - 1
        var i = lastIndex
        while i >= 0 {
            let gen = generations[i]
            if gen.isEmpty { i -= 1; continue }
            // A finished generation whose tombstone is at or before atRev: deleted at atRev.
            if i != lastIndex, gen.revisions[gen.revisions.count - 1].main <= atRev { return nil }
            if gen.revisions[0].main <= atRev { return i }
            i -= 1
        }
        return nil
    }

    /// Revisions with main >= `rev`, keeping only the last change per main revision (watch
    /// catch-up only needs what a reader would see).
    func since(_ rev: Int64) -> [Revision] {
        var out: [Revision] = []
        for gen in generations {
            for r in gen.revisions where r.main >= rev {
                if let last = out.last, last.main == r.main { out[out.count - 1] = r } else { out.append(r) }
            }
        }
        return out
    }

    /// Compacts at `atRev` (see the type comment), inserting the revisions that must stay in the
    /// backend into `keep`.
    func compact(at atRev: Int64, keep: inout Set<Revision>) {
        precondition(!isEmpty, "compact on empty history of \(key)")
        var (g, keptIndex) = locateCompaction(at: atRev)
        if let keptIndex {
            keep.insert(generations[g].revisions[keptIndex])
            generations[g].revisions.removeFirst(keptIndex)
            // A finished generation reduced to its tombstone is dropped entirely.
            if generations[g].revisions.count == 1 && g != generations.count - 1 {
                keep.remove(generations[g].revisions[0])
                g += 1
            }
        }
        generations.removeFirst(g)
    }

    /// Adds to `keep` the revision that compaction at `atRev` would keep, without changing
    /// anything (used by HashKV).
    func keep(at atRev: Int64, into keep: inout Set<Revision>) {
        guard !isEmpty else { return }
        let (g, keptIndex) = locateCompaction(at: atRev)
        guard let keptIndex else { return }
        let gen = generations[g]
        let isTombstone = keptIndex == gen.revisions.count - 1 && g != generations.count - 1
        if !isTombstone { keep.insert(gen.revisions[keptIndex]) }
    }

    /// The first generation still alive at or after `atRev` (whose tombstone is after it, or
    /// the current one) and the index of its largest revision <= atRev.
    private func locateCompaction(at atRev: Int64) -> (generation: Int, kept: Int?) {
        var g = 0
        while g < generations.count - 1 {
            let gen = generations[g]
            if gen.revisions[gen.revisions.count - 1].main > atRev { break }
            g += 1
        }
        let kept = generations[g].revisions.lastIndex(where: { $0.main <= atRev })
        return (g, kept)
    }
}
