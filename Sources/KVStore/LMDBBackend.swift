import CLMDB
import Foundation

/// The LMDB file behind the store: named tables ("key" by revision, "meta", "lease", "alarm",
/// and etcd's "members" and "members_removed" for the cluster membership)
/// and one write transaction that stays open across many applied entries until `commit()`
/// (batched commits, never one per request). Reads go through that open write transaction when
/// there is one, so applied-but-uncommitted writes are visible. Confined to the loop thread.
final class LMDBBackend {
    enum Table: Int, CaseIterable {
        case key, meta, lease, alarm, members, membersRemoved
        /// etcd's auth buckets: the enabled flag and revision, users, roles.
        case auth, authUsers, authRoles
        var name: String {
            switch self {
            case .key: "key"
            case .meta: "meta"
            case .lease: "lease"
            case .alarm: "alarm"
            case .members: "members"
            case .membersRemoved: "members_removed"
            case .auth: "auth"
            case .authUsers: "authUsers"
            case .authRoles: "authRoles"
            }
        }
    }

    static let dataFileName = "data.mdb"
    let directory: String
    let mapSizeBytes: Int
    let syncMode: BackendSyncMode
    private var env: OpaquePointer?
    private var dbis: [MDB_dbi] = []
    private var writeTxn: OpaquePointer?

    init(directory: String, mapSizeBytes: Int, syncMode: BackendSyncMode) throws(EtcdError) {
        self.directory = directory
        self.mapSizeBytes = mapSizeBytes
        self.syncMode = syncMode
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .backend("cannot create \(directory): \(error)")
        }
        try openEnvironment()
    }

    deinit { close() }

    var hasPendingWrites: Bool { writeTxn != nil }

    // MARK: - Environment

    private func openEnvironment() throws(EtcdError) {
        var e: OpaquePointer?
        try check(mdb_env_create(&e), "mdb_env_create")
        env = e
        try check(mdb_env_set_maxdbs(e, UInt32(Table.allCases.count + 2)), "mdb_env_set_maxdbs")
        try check(mdb_env_set_mapsize(e, mapSizeBytes), "mdb_env_set_mapsize")
        // NOTLS: read transactions are not tied to a thread slot (the snapshot copy may run on
        // the threadpool).
        var flags = UInt32(MDB_NOTLS)
        switch syncMode {
        case .everyCommit: break
        case .deferMeta: flags |= UInt32(MDB_NOMETASYNC)
        case .manual: flags |= UInt32(MDB_NOSYNC)
        }
        let rc = mdb_env_open(e, directory, flags, 0o644)
        if rc != 0 {
            mdb_env_close(e)
            env = nil
            throw .backend("mdb_env_open \(directory): \(String(cString: mdb_strerror(rc)))")
        }
        var txn: OpaquePointer?
        try check(mdb_txn_begin(e, nil, 0, &txn), "mdb_txn_begin")
        dbis = []
        for table in Table.allCases {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, table.name, UInt32(MDB_CREATE), &dbi)
            if rc != 0 {
                mdb_txn_abort(txn)
                throw .backend("mdb_dbi_open \(table.name): \(String(cString: mdb_strerror(rc)))")
            }
            dbis.append(dbi)
        }
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    func close() {
        if let txn = writeTxn {
            // Uncommitted entries are replayed from the WAL on the next start.
            mdb_txn_abort(txn)
            writeTxn = nil
        }
        if let e = env {
            mdb_env_close(e)
            env = nil
        }
    }

    private func check(_ rc: Int32, _ what: String) throws(EtcdError) {
        if rc != 0 { throw .backend("\(what): \(String(cString: mdb_strerror(rc)))") }
    }

    /// Errors inside a write transaction leave LMDB's transaction unusable; the applied state
    /// would diverge from the log, so stop (replay from the WAL recovers on restart).
    private func mustSucceed(_ rc: Int32, _ what: String) {
        precondition(rc == 0, "LMDB \(what) failed: \(String(cString: mdb_strerror(rc)))")
    }

    // MARK: - Transactions

    private func openWriteTxn() -> OpaquePointer? {
        if let txn = writeTxn { return txn }
        precondition(env != nil, "backend closed")
        var txn: OpaquePointer?
        mustSucceed(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(write)")
        writeTxn = txn
        return txn
    }

    /// Runs `body` inside the open write transaction if any, else inside a short read-only one.
    func withReadTxn<T>(_ body: (OpaquePointer?) throws(EtcdError) -> T) throws(EtcdError) -> T {
        if let txn = writeTxn { return try body(txn) }
        precondition(env != nil, "backend closed")
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        return try body(txn)
    }

    /// Commits the batch. Returns false when there was nothing to commit.
    @discardableResult
    func commit() throws(EtcdError) -> Bool {
        guard let txn = writeTxn else { return false }
        writeTxn = nil
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
        return true
    }

    /// Flushes to disk (for NOSYNC environments; safe to call from any thread).
    func sync() throws(EtcdError) {
        guard let e = env else { return }
        try check(mdb_env_sync(e, 1), "mdb_env_sync")
    }

    // MARK: - Data access

    func put(_ table: Table, _ key: Data, _ value: Data) {
        let txn = openWriteTxn()
        withValue(key) { k in
            withValue(value) { v in
                var kk = k, vv = v
                mustSucceed(mdb_put(txn, dbis[table.rawValue], &kk, &vv, 0), "mdb_put(\(table.name))")
            }
        }
    }

    func delete(_ table: Table, _ key: Data) {
        let txn = openWriteTxn()
        withValue(key) { k in
            var kk = k
            let rc = mdb_del(txn, dbis[table.rawValue], &kk, nil)
            precondition(rc == 0 || rc == MDB_NOTFOUND, "LMDB mdb_del(\(table.name)) failed: \(String(cString: mdb_strerror(rc)))")
        }
    }

    func get(_ table: Table, _ key: Data) -> Data? {
        (try? withReadTxn { txn throws(EtcdError) -> Data? in
            withValue(key) { k in
                var kk = k
                var v = MDB_val()
                let rc = mdb_get(txn, dbis[table.rawValue], &kk, &v)
                if rc == MDB_NOTFOUND { return nil }
                precondition(rc == 0, "LMDB mdb_get(\(table.name)) failed: \(String(cString: mdb_strerror(rc)))")
                return Data(bytes: v.mv_data, count: v.mv_size)
            }
        }) ?? nil
    }

    /// Point lookups of many keys inside one transaction.
    func getMany(_ table: Table, _ keys: [Data]) -> [Data?] {
        (try? withReadTxn { txn throws(EtcdError) -> [Data?] in
            keys.map { key in
                withValue(key) { k in
                    var kk = k
                    var v = MDB_val()
                    let rc = mdb_get(txn, dbis[table.rawValue], &kk, &v)
                    if rc == MDB_NOTFOUND { return nil }
                    precondition(rc == 0, "LMDB mdb_get(\(table.name)) failed: \(String(cString: mdb_strerror(rc)))")
                    return Data(bytes: v.mv_data, count: v.mv_size)
                }
            }
        }) ?? keys.map { _ in nil }
    }

    /// Visits entries in key order starting at the first key >= `from` (or the first key);
    /// `body` returns false to stop. The buffers are only valid during the call.
    func scan(_ table: Table, from: Data?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        try? withReadTxn { txn throws(EtcdError) in
            var cursor: OpaquePointer?
            mustSucceed(mdb_cursor_open(txn, dbis[table.rawValue], &cursor), "mdb_cursor_open")
            defer { mdb_cursor_close(cursor) }
            var k = MDB_val(), v = MDB_val()
            var rc: Int32
            if let from {
                rc = withValue(from) { fk in
                    k = fk
                    return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
                }
            } else {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
            }
            while rc == 0 {
                let kb = UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)
                let vb = UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
                if !body(kb, vb) { return }
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            precondition(rc == MDB_NOTFOUND, "LMDB cursor failed: \(String(cString: mdb_strerror(rc)))")
        }
    }

    /// Deletes the entries of `table` with keys in [from, before) (both encoded keys).
    func deleteRange(_ table: Table, from: Data, before: Data, where shouldDelete: (UnsafeRawBufferPointer) -> Bool) -> Int {
        let txn = openWriteTxn()
        var cursor: OpaquePointer?
        mustSucceed(mdb_cursor_open(txn, dbis[table.rawValue], &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var deleted = 0
        var k = MDB_val(), v = MDB_val()
        var rc = withValue(from) { fk in
            k = fk
            return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        }
        while rc == 0 {
            let kb = UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)
            let beyond = before.withUnsafeBytes { b in
                memcmp(kb.baseAddress!, b.baseAddress!, min(kb.count, b.count)) > 0
                    || (memcmp(kb.baseAddress!, b.baseAddress!, min(kb.count, b.count)) == 0 && kb.count >= b.count)
            }
            if beyond { break }
            if shouldDelete(kb) {
                mustSucceed(mdb_cursor_del(cursor, 0), "mdb_cursor_del")
                deleted += 1
                // LMDB leaves the cursor on the following entry (marked deleted-under-cursor),
                // and MDB_NEXT then returns that entry instead of skipping it.
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
                continue
            }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        return deleted
    }

    // MARK: - Size and copies

    /// Bytes of the data file up to its last used page (cheap: no scan).
    func totalBytes() -> Int64 {
        guard let e = env else { return 0 }
        var info = MDB_envinfo()
        mdb_env_info(e, &info)
        var st = MDB_stat()
        mdb_env_stat(e, &st)
        return (Int64(info.me_last_pgno) + 1) * Int64(st.ms_psize)
    }

    /// (bytes of the data file in use by pages, bytes occupied by live pages).
    func sizes() -> (total: Int64, inUse: Int64) {
        guard let e = env else { return (0, 0) }
        var info = MDB_envinfo()
        mdb_env_info(e, &info)
        var st = MDB_stat()
        mdb_env_stat(e, &st)
        let pageSize = Int64(st.ms_psize)
        let totalPages = Int64(info.me_last_pgno) + 1
        let freePages = (try? withReadTxn { txn throws(EtcdError) -> Int64 in countFreePages(txn) }) ?? 0
        return (totalPages * pageSize, max(0, totalPages - freePages) * pageSize)
    }

    /// LMDB's free-page database (dbi 0) holds, per freeing transaction, an array of page
    /// numbers whose first element is the count.
    private func countFreePages(_ txn: OpaquePointer?) -> Int64 {
        var cursor: OpaquePointer?
        guard mdb_cursor_open(txn, 0, &cursor) == 0 else { return 0 }
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        var total: Int64 = 0
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 {
            if v.mv_size >= MemoryLayout<Int>.size, let p = v.mv_data {
                total += Int64(p.loadUnaligned(as: Int.self))
            }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        return total
    }

    /// Writes a consistent copy of the committed state to `path` (a file), compacted if asked.
    func copy(to path: String, compact: Bool) throws(EtcdError) {
        guard let e = env else { throw .backend("backend closed") }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .backend("open \(path): \(String(cString: strerror(errno)))") }
        defer { Foundation.close(fd) }
        try check(mdb_env_copyfd2(e, fd, compact ? UInt32(MDB_CP_COMPACT) : 0), "mdb_env_copyfd2")
        guard fsync(fd) == 0 else { throw .backend("fsync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Replaces the data file by a compacting copy (pending writes must be committed first).
    func defragment() throws(EtcdError) {
        precondition(writeTxn == nil, "defragment with uncommitted writes")
        let dataPath = (directory as NSString).appendingPathComponent(Self.dataFileName)
        let tmpPath = dataPath + ".defrag"
        try copy(to: tmpPath, compact: true)
        close()
        guard rename(tmpPath, dataPath) == 0 else {
            let reason = String(cString: strerror(errno))
            try openEnvironment()
            throw .backend("rename \(tmpPath): \(reason)")
        }
        try openEnvironment()
    }
}

/// Borrows `data` as an MDB_val for the duration of `body`.
private func withValue<T>(_ data: Data, _ body: (MDB_val) -> T) -> T {
    data.withUnsafeBytes { raw in
        // LMDB accepts zero-length values but wants a non-null pointer to copy from.
        var empty: UInt8 = 0
        if raw.count == 0 {
            return withUnsafeMutablePointer(to: &empty) { p in body(MDB_val(mv_size: 0, mv_data: UnsafeMutableRawPointer(p))) }
        }
        return body(MDB_val(mv_size: raw.count, mv_data: UnsafeMutableRawPointer(mutating: raw.baseAddress!)))
    }
}
