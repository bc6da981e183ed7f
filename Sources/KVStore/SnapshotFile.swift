import CLMDB
import Foundation

/// A backend snapshot file as Maintenance/Snapshot streams it (a copy of the LMDB data file,
/// optionally followed by its SHA-256), read without a server: `snapshot status` and
/// `snapshot restore`.
public enum SnapshotFile {
    /// What `etcdctl snapshot status` reports (etcd's snapshot.Status).
    public struct Status: Sendable, Equatable {
        public var hash: UInt32
        public var revision: Int64
        public var totalKey: Int
        public var totalSize: Int64
    }

    /// A file that is not a Keel backend: an etcd (bbolt) snapshot, or something else.
    public static func formatProblem(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 32)) ?? Data())
        func word(at offset: Int) -> UInt32 {
            guard head.count >= offset + 4 else { return 0 }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(head[offset + $1]) << (8 * UInt32($1)) }
        }
        // LMDB's meta page starts with its magic right after the page header; bbolt's too.
        if word(at: 16) == 0xBEEF_C0DE { return nil }
        if word(at: 16) == 0xED0C_DAED {
            return "\(path) is an etcd (bbolt) snapshot; Keel reads only snapshots saved from Keel"
        }
        return "\(path) is not a Keel backend snapshot (no LMDB header)"
    }

    /// Opens the file read-only and checksums every table in name order, as etcd's Status does
    /// over its buckets: CRC-32C of each table name and its keys and values; the revision is
    /// the newest in the "key" table; the size is the used part of the file.
    public static func status(path: String) throws(EtcdError) -> Status {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EtcdError(code: EtcdError.Code.notFound, message: "stat \(path): no such file or directory")
        }
        if let problem = formatProblem(path: path) { throw EtcdError(code: EtcdError.Code.invalidArgument, message: problem) }
        return try withReadOnly(path) { env, txn throws(EtcdError) in
            var status = Status(hash: 0, revision: 0, totalKey: 0, totalSize: 0)
            var crc = CRC32C()
            for name in LMDBBackend.Table.allCases.map(\.name).sorted() {
                var dbi: MDB_dbi = 0
                guard mdb_dbi_open(txn, name, 0, &dbi) == 0 else { continue }
                crc.update(Array(name.utf8))
                try eachEntry(txn, dbi) { key, value in
                    crc.update(key)
                    crc.update(value)
                    if name == "key" { status.revision = Revision.decode(key).revision.main }
                    status.totalKey += 1
                }
            }
            status.hash = crc.value
            var info = MDB_envinfo()
            mdb_env_info(env, &info)
            var stat = MDB_stat()
            mdb_env_stat(env, &stat)
            status.totalSize = (Int64(info.me_last_pgno) + 1) * Int64(stat.ms_psize)
            return status
        }
    }

    /// Makes `directory` a backend directory holding the snapshot's data, with the applied
    /// Raft index reset: the member that starts on it replays a fresh log from index 1.
    /// `dataBytes` is the file's length without the SHA-256 trailer.
    public static func restoreBackend(from path: String, dataBytes: Int, into directory: String) throws(EtcdError) {
        let target = directory + "/" + LMDBBackend.dataFileName
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let source = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? source.close() }
            guard FileManager.default.createFile(atPath: target, contents: nil),
                  let sink = FileHandle(forWritingAtPath: target) else {
                throw EtcdError.backend("cannot create \(target)")
            }
            defer { try? sink.close() }
            var remaining = dataBytes
            while remaining > 0 {
                guard let chunk = try source.read(upToCount: min(remaining, 1 << 20)), !chunk.isEmpty else { break }
                try sink.write(contentsOf: chunk)
                remaining -= chunk.count
            }
            try sink.synchronize()
        } catch let error as EtcdError {
            throw error
        } catch {
            throw EtcdError.backend("\(error)")
        }
        let backend = try LMDBBackend(directory: directory, mapSizeBytes: 8 << 30, syncMode: .everyCommit)
        defer { backend.close() }
        backend.delete(.meta, KVStore.MetaKey.consistentIndex)
        // The membership comes from the restored WAL's bootstrap entries, as etcd's restore
        // rewrites it: the old cluster's members and removed IDs would contradict it.
        for table in [LMDBBackend.Table.members, .membersRemoved] {
            var keys: [Data] = []
            backend.scan(table, from: nil) { key, _ in keys.append(Data(key)); return true }
            for key in keys { backend.delete(table, key) }
        }
        _ = try backend.commit()
    }

    private static func withReadOnly<T>(_ path: String, _ body: (OpaquePointer?, OpaquePointer?) throws(EtcdError) -> T) throws(EtcdError) -> T {
        var env: OpaquePointer?
        guard mdb_env_create(&env) == 0 else { throw EtcdError.backend("mdb_env_create failed") }
        defer { mdb_env_close(env) }
        mdb_env_set_maxdbs(env, 16)
        let flags = UInt32(MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK)
        let rc = mdb_env_open(env, path, flags, 0o400)
        guard rc == 0 else { throw EtcdError.backend("open \(path): \(String(cString: mdb_strerror(rc)))") }
        var txn: OpaquePointer?
        guard mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0 else { throw EtcdError.backend("mdb_txn_begin failed") }
        defer { mdb_txn_abort(txn) }
        return try body(env, txn)
    }

    private static func eachEntry(_ txn: OpaquePointer?, _ dbi: MDB_dbi,
                                  _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) throws(EtcdError) {
        var cursor: OpaquePointer?
        guard mdb_cursor_open(txn, dbi, &cursor) == 0 else { throw EtcdError.backend("mdb_cursor_open failed") }
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val(), value = MDB_val()
        var rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        while rc == 0 {
            body(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
                 UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
            rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        guard rc == MDB_NOTFOUND else { throw EtcdError.backend("cursor: \(String(cString: mdb_strerror(rc)))") }
    }
}
