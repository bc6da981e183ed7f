import EtcdAPI
import Foundation

extension KVStore {
    /// Size of the backend file's used pages, in bytes (etcd's db_size).
    public var dbSizeBytes: Int64 { backend.totalBytes() }
    /// Bytes in pages holding data (etcd's db_size_in_use); the rest is free for reuse.
    public var dbSizeInUseBytes: Int64 { backend.sizes().inUse }

    /// A checksum of the stored key-value history, leases and alarms (for Maintenance/Hash).
    public func hash() -> UInt32 {
        var crc = CRC32C()
        for table in [LMDBBackend.Table.key, .lease, .alarm] {
            crc.update(Array(table.name.utf8))
            backend.scan(table, from: nil) { k, v in
                crc.update(k)
                crc.update(v)
                return true
            }
        }
        return crc.value
    }

    /// etcd's HashKV: CRC-32C over "key" and every stored (revision, value) up to `revision`
    /// (0 = current), skipping what a compaction at `revision` would remove. The stored bytes
    /// follow etcd's format, so the hash matches etcd's for the same history.
    public func hashKV(revision: Int64) throws(EtcdError) -> (hash: UInt32, compactRevision: Int64, revision: Int64) {
        if revision > 0 && revision <= compactedRevision { throw .compacted }
        if revision > currentRevision { throw .futureRevision }
        let rev = revision == 0 ? currentRevision : revision
        let keep = index.keep(at: rev)
        let lowerMain = compactedRevision + 1
        var crc = CRC32C()
        crc.update(Array("key".utf8))
        backend.scan(.key, from: nil) { k, v in
            let r = Revision.decode(k).revision
            if r.main > rev { return false }
            if r.main < lowerMain && !keep.isEmpty && !keep.contains(r) { return true }
            crc.update(k)
            crc.update(v)
            return true
        }
        return (crc.value, compactedRevision, currentRevision)
    }

    /// Rewrites the LMDB file without free pages. Commits pending writes first.
    public func defragment() throws {
        try backend.commit()
        try backend.defragment()
    }

    /// Writes a consistent copy of the committed backend to `path` (Maintenance/Snapshot).
    /// Commits pending writes first so the copy includes everything applied.
    public func writeSnapshot(to path: String) throws {
        try backend.commit()
        try backend.copy(to: path, compact: false)
    }

    /// Writes a consistent, compacted copy of what is committed to `path`, fsynced. Safe on the
    /// threadpool while the loop thread keeps writing (LMDB readers never block the writer),
    /// as long as the store is not closed meanwhile.
    public func copyCommitted(to path: String) throws {
        try backend.copy(to: path, compact: true)
    }
}
