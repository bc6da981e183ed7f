// An in-memory LogStorage for tests and the simulator. `entries[0]` is a dummy entry that
// carries the index and term of the last snapshot, so term lookups at the compaction
// boundary work without special cases.

public final class MemoryStorage: LogStorage {
    private var hardState = HardState()
    private var snap = Snapshot()
    private var ents: [Entry] = [Entry(term: 0, index: 0)]

    public init() {}

    /// A storage whose initial configuration is `confState` with an empty log (bootstrap of a
    /// brand-new cluster where every member starts with the same voters).
    public convenience init(confState: ConfState) {
        self.init()
        snap.metadata.confState = confState
    }

    public func initialState() -> (HardState, ConfState) { (hardState, snap.metadata.confState) }

    public func setHardState(_ hs: HardState) { hardState = hs }

    private var offset: LogIndex { ents[0].index }

    public func firstIndex() -> LogIndex { offset + 1 }
    public func lastIndex() -> LogIndex { offset + UInt64(ents.count - 1) }

    public func entries(from lo: LogIndex, to hi: LogIndex, maxBytes: UInt64) throws -> [Entry] {
        guard lo > offset else { throw StorageError.compacted }
        guard hi <= lastIndex() + 1 else { throw StorageError.unavailable }
        precondition(lo <= hi, "entries: lo \(lo) > hi \(hi)")
        if ents.count == 1 { return [] }
        let slice = Array(ents[Int(lo.rawValue - offset.rawValue)..<Int(hi.rawValue - offset.rawValue)])
        return limitSize(slice, maxBytes: maxBytes)
    }

    public func term(at index: LogIndex) throws -> Term {
        guard index >= offset else { throw StorageError.compacted }
        guard index <= lastIndex() else { throw StorageError.unavailable }
        return ents[Int(index.rawValue - offset.rawValue)].term
    }

    public func snapshot() throws -> Snapshot { snap }

    /// Replaces the whole log with the snapshot (a follower installing the leader's snapshot).
    public func applySnapshot(_ s: Snapshot) throws {
        guard s.metadata.index > snap.metadata.index else { throw StorageError.snapshotOutOfDate }
        snap = s
        ents = [Entry(term: s.metadata.term, index: s.metadata.index)]
    }

    /// Records a snapshot of the state machine at `index` (which must be in the log);
    /// call `compact(to:)` afterwards to drop the entries it covers.
    @discardableResult
    public func createSnapshot(index: LogIndex, confState: ConfState?, data: [UInt8]) throws -> Snapshot {
        guard index > snap.metadata.index else { throw StorageError.snapshotOutOfDate }
        precondition(index <= lastIndex(), "snapshot \(index) is beyond last index \(lastIndex())")
        snap.metadata.index = index
        snap.metadata.term = ents[Int(index.rawValue - offset.rawValue)].term
        if let cs = confState { snap.metadata.confState = cs }
        snap.data = data
        return snap
    }

    /// Drops entries before `index`; the entry at `index` becomes the new dummy.
    public func compact(to index: LogIndex) throws {
        guard index > offset else { throw StorageError.compacted }
        precondition(index <= lastIndex(), "compact \(index) is beyond last index \(lastIndex())")
        let i = Int(index.rawValue - offset.rawValue)
        let dummy = Entry(term: ents[i].term, index: ents[i].index)
        ents = [dummy] + ents[(i + 1)...]
    }

    /// Appends entries, replacing any existing suffix that they overlap. Entries entirely
    /// covered by the snapshot are ignored.
    public func append(_ entries: [Entry]) throws {
        guard var first = entries.first else { return }
        var toAppend = entries[...]
        if first.index <= offset {
            // Skip what the snapshot already covers.
            toAppend = toAppend.drop { $0.index <= offset }
            guard let f = toAppend.first else { return }
            first = f
        }
        precondition(first.index <= lastIndex() + 1,
                     "missing log entries: last \(lastIndex()), appending at \(first.index)")
        let keep = Int(first.index.rawValue - offset.rawValue)
        ents.removeSubrange(keep...)
        ents.append(contentsOf: toAppend)
    }
}
