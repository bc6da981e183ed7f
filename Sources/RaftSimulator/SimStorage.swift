import Raft

/// The log a simulated node's RawNode reads: a snapshot, the entries after the compaction
/// point, the hard state and the configuration.
///
/// It is the simulator's own `LogStorage` (not the core's `MemoryStorage`) so the checkers do
/// not trust the code under test for the state they compare. Two copies exist per node: the
/// *written* view (everything the driver wrote, what the RawNode reads) and the *durable* view
/// (only what was synced, what a crash keeps); both are fed the same `SimWriteBatch`es.
public final class SimStorage: LogStorage {
    public private(set) var hardState: HardState
    public private(set) var snapshotMeta: SnapshotMetadata
    public private(set) var snapshotData: [UInt8]
    /// Entries with indexes `offset+1 ... offset+ents.count`; `offset` is the snapshot index.
    public private(set) var ents: [Entry] = []

    public init(confState: ConfState) {
        hardState = HardState()
        snapshotMeta = SnapshotMetadata(confState: confState, index: LogIndex(rawValue: 0), term: Term(rawValue: 0))
        snapshotData = []
    }

    var offset: UInt64 { snapshotMeta.index.rawValue }

    public func initialState() -> (HardState, ConfState) {
        (hardState, snapshotMeta.confState)
    }

    public func entries(from lo: LogIndex, to hi: LogIndex, maxBytes: UInt64) throws -> [Entry] {
        if lo.rawValue <= offset { throw StorageError.compacted }
        precondition(hi.rawValue <= lastIndexValue + 1, "entries(\(lo), \(hi)) beyond last \(lastIndexValue)")
        if hi.rawValue <= lo.rawValue { return [] }
        let start = Int(lo.rawValue - offset - 1)
        let end = Int(hi.rawValue - offset - 1)
        var size: UInt64 = 0
        var out: [Entry] = []
        out.reserveCapacity(end - start)
        for k in start..<end {
            let e = ents[k]
            size += UInt64(e.data.count) + 24
            // Always return at least one entry, as etcd's storage does.
            if !out.isEmpty && size > maxBytes { break }
            out.append(e)
        }
        return out
    }

    public func term(at i: LogIndex) throws -> Term {
        let v = i.rawValue
        if v == offset { return snapshotMeta.term }
        if v < offset { throw StorageError.compacted }
        if v > lastIndexValue { throw StorageError.unavailable }
        return ents[Int(v - offset - 1)].term
    }

    /// The term at `i`, or nil when it is compacted or beyond the log.
    public func termIfPresent(_ i: UInt64) -> UInt64? {
        if i == offset { return snapshotMeta.term.rawValue }
        if i < offset || i > lastIndexValue { return nil }
        return ents[Int(i - offset - 1)].term.rawValue
    }

    public func entry(at i: UInt64) -> Entry? {
        if i <= offset || i > lastIndexValue { return nil }
        return ents[Int(i - offset - 1)]
    }

    public func firstIndex() -> LogIndex { LogIndex(rawValue: offset + 1) }
    public func lastIndex() -> LogIndex { LogIndex(rawValue: lastIndexValue) }
    var lastIndexValue: UInt64 { offset + UInt64(ents.count) }

    public func snapshot() throws -> Snapshot {
        Snapshot(data: snapshotData, metadata: snapshotMeta)
    }

    /// Applies one batch in the order the driver wrote it: snapshot, entries, hard state.
    public func apply(_ batch: SimWriteBatch) {
        if let snap = batch.snapshot { install(snap) }
        if !batch.entries.isEmpty { append(batch.entries) }
        if let hs = batch.hardState { hardState = hs }
    }

    func install(_ snap: Snapshot) {
        let idx = snap.metadata.index.rawValue
        precondition(idx >= offset, "snapshot \(idx) older than the storage's \(offset)")
        // Keep the entries after the snapshot if they agree with it (etcd's storage would not,
        // but keeping them is what a WAL replay does and is equally valid).
        if let t = termIfPresent(idx), t == snap.metadata.term.rawValue, idx <= lastIndexValue {
            ents.removeFirst(Int(idx - offset))
        } else {
            ents = []
        }
        snapshotMeta = snap.metadata
        snapshotData = snap.data
    }

    /// Appends entries, first dropping any existing suffix they replace. Entries at or below
    /// the snapshot index are already covered by it and skipped.
    func append(_ entries: [Entry]) {
        var batch = entries[...]
        while let first = batch.first, first.index.rawValue <= offset { batch = batch.dropFirst() }
        guard let first = batch.first else { return }
        let at = first.index.rawValue
        precondition(at <= lastIndexValue + 1, "append at \(at) leaves a gap after \(lastIndexValue)")
        ents.removeLast(Int(lastIndexValue - (at - 1)))
        ents.append(contentsOf: batch)
    }

    /// Replaces the log prefix up to `meta.index` (which must be present) by a snapshot.
    public func compact(_ snap: Snapshot) {
        let idx = snap.metadata.index.rawValue
        precondition(idx > offset && idx <= lastIndexValue, "compact to \(idx) outside (\(offset), \(lastIndexValue)]")
        ents.removeFirst(Int(idx - offset))
        snapshotMeta = snap.metadata
        snapshotData = snap.data
    }

    /// The write batch that recreates this storage exactly (used when the WAL is rewritten
    /// after a compaction).
    public func baseBatch() -> SimWriteBatch {
        SimWriteBatch(
            snapshot: Snapshot(data: snapshotData, metadata: snapshotMeta), entries: ents, hardState: hardState)
    }
}

/// What a driver writes to its disk for one Ready: applied in this order on replay.
public struct SimWriteBatch: Sendable {
    public var snapshot: Snapshot?
    public var entries: [Entry]
    public var hardState: HardState?
    public init(snapshot: Snapshot?, entries: [Entry], hardState: HardState?) {
        self.snapshot = snapshot
        self.entries = entries
        self.hardState = hardState
    }
}
