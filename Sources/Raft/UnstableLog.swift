// The tail of the log that is not yet durable: an incoming snapshot and/or entries that the
// application has not yet persisted. `offset` is the index of `entries[0]`.

struct UnstableLog {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: LogIndex

    init(offset: LogIndex) { self.offset = offset }

    var firstIndex: LogIndex? {
        snapshot.map { $0.metadata.index + 1 }
    }

    var lastIndex: LogIndex? {
        if !entries.isEmpty { return offset + UInt64(entries.count - 1) }
        return snapshot?.metadata.index
    }

    func term(at i: LogIndex) -> Term? {
        if i < offset {
            if let s = snapshot, s.metadata.index == i { return s.metadata.term }
            return nil
        }
        guard let last = lastIndex, i <= last else { return nil }
        if entries.isEmpty { return nil }
        return entries[Int(i.rawValue - offset.rawValue)].term
    }

    /// The application persisted entries up to `i` (whose term was `t`): drop them from here.
    /// Ignored when the entry was replaced meanwhile (term differs).
    mutating func stableTo(index i: LogIndex, term t: Term) {
        guard i >= offset, let gt = term(at: i), gt == t else { return }
        entries.removeFirst(Int(i.rawValue - offset.rawValue) + 1)
        offset = i + 1
    }

    mutating func stableSnapshotTo(_ i: LogIndex) {
        if let s = snapshot, s.metadata.index == i { snapshot = nil }
    }

    mutating func restore(_ s: Snapshot) {
        offset = s.metadata.index + 1
        entries = []
        snapshot = s
    }

    mutating func truncateAndAppend(_ ents: [Entry]) {
        guard let first = ents.first else { return }
        let after = first.index
        if after == offset + UInt64(entries.count) {
            entries.append(contentsOf: ents)
        } else if after <= offset {
            // Replaces everything unstable (and, once persisted, part of the stored log).
            offset = after
            entries = ents
        } else {
            entries.removeSubrange(Int(after.rawValue - offset.rawValue)...)
            entries.append(contentsOf: ents)
        }
    }

    func slice(_ lo: LogIndex, _ hi: LogIndex) -> [Entry] {
        precondition(lo >= offset && lo <= hi && hi <= offset + UInt64(entries.count),
                     "unstable slice [\(lo),\(hi)) out of [\(offset),\(offset + UInt64(entries.count)))")
        return Array(entries[Int(lo.rawValue - offset.rawValue)..<Int(hi.rawValue - offset.rawValue)])
    }
}
