/// How much a batch commit flushes to disk. The WAL is the durable record and replay from it is
/// idempotent (the applied index is stored with the data), so the backend may lag behind the
/// log; what must never happen is a backend file that cannot be opened.
public enum BackendSyncMode: Sendable {
    /// fsync data and meta page on every commit (LMDB's default; two syncs per commit).
    case everyCommit
    /// One fsync per commit (MDB_NOMETASYNC): a system crash may undo the last commit but
    /// keeps the file consistent; the WAL replays the undone entries.
    case deferMeta
    /// No fsync on commit (MDB_NOSYNC); call `sync()` before the WAL is compacted behind the
    /// applied index (Raft snapshot). Survives process kills (the page cache stays); a power
    /// loss may damage the file.
    case manual
}
