// The read-only view of the durable log that the core consults. The application writes to its
// storage itself (after each Ready), so the core never blocks on or fails an I/O write.

public enum StorageError: Error, Sendable, Equatable {
    /// The requested index is older than the storage's first index (compacted into a snapshot).
    case compacted
    /// The requested index is beyond the storage's last index.
    case unavailable
    /// The snapshot is being generated; the core retries later.
    case snapshotTemporarilyUnavailable
    /// The snapshot to apply or create is older than the one already held.
    case snapshotOutOfDate
}

/// Everything here describes what is durable. Implementations are used from one thread.
public protocol LogStorage: AnyObject {
    /// The saved hard state and the configuration at the time of the last snapshot.
    func initialState() -> (HardState, ConfState)
    /// Entries in [lo, hi). Returns at least one entry (if any) even if it exceeds `maxBytes`.
    func entries(from lo: LogIndex, to hi: LogIndex, maxBytes: UInt64) throws -> [Entry]
    /// Term of the entry at `index`; `firstIndex() - 1` answers with the snapshot's term.
    func term(at index: LogIndex) throws -> Term
    /// Index of the first entry still available (snapshot index + 1).
    func firstIndex() -> LogIndex
    /// Index of the last entry (or of the snapshot when the log is empty).
    func lastIndex() -> LogIndex
    /// The most recent snapshot.
    func snapshot() throws -> Snapshot
}

/// Keeps entries until their cumulative size passes `maxBytes`; always keeps the first one.
func limitSize(_ entries: [Entry], maxBytes: UInt64) -> [Entry] {
    guard entries.count > 1, maxBytes != .max else { return entries }
    var total = entries[0].byteSize
    var count = 1
    while count < entries.count {
        total += entries[count].byteSize
        if total > maxBytes { break }
        count += 1
    }
    return Array(entries.prefix(count))
}
