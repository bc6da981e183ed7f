import EtcdAPI
import Foundation

/// etcd 3.4's MVCC key-value store on LMDB: revisions, the key index, range/put/delete/txn,
/// compaction, the lessor, alarms and the watch hub, fed by committed Raft entries through
/// `apply`. Single-threaded: the server calls it from its loop thread only.
///
/// Durability contract: `apply` writes into one open LMDB write transaction together with the
/// Raft index it came from; `commitBatch` commits that transaction. After a crash the store
/// reopens at its last committed `appliedIndex` and the server replays later entries from its
/// WAL; entries at or below `appliedIndex` are skipped, so replay is idempotent.
public final class KVStore {
    /// Meta table keys (etcd's names where etcd has the same thing).
    enum MetaKey {
        static let consistentIndex = Data("consistent_index".utf8)
        static let scheduledCompact = Data("scheduledCompactRev".utf8)
        static let finishedCompact = Data("finishedCompactRev".utf8)
    }

    /// Default backend quota (etcd's 2 GiB default for --quota-backend-bytes).
    public static let defaultQuotaBytes: Int64 = 2 << 30

    let backend: LMDBBackend
    let index = KeyIndex()
    /// Keys in the index, tombstoned ones included until compaction removes them (etcd's keys_total).
    public var keyCount: Int { index.keyCount }
    let alarms: AlarmStore
    public let lessor: Lessor
    public let watchHub: WatchHub
    /// Users, roles and the enabled flag (etcd's auth store), in the same backend.
    public let auth: AuthStore

    /// Raft index of the last applied entry (etcd calls it the consistent index).
    public private(set) var appliedIndex: UInt64 = 0
    public var consistentIndex: UInt64 { appliedIndex }

    /// The store's revision: 1 on a fresh store (etcd starts there), +1 per write with changes.
    public internal(set) var currentRevision: Int64 = 1
    /// The last compaction's revision; -1 when the store was never compacted (as in etcd).
    public internal(set) var compactedRevision: Int64 = -1

    /// Backend size above which writes raise the NOSPACE alarm; <= 0 disables the quota.
    public var quotaBytes: Int64 = KVStore.defaultQuotaBytes
    /// This member's ID, recorded in alarms it raises itself (NOSPACE).
    public var memberID: UInt64 = 0
    /// Told each phase of a compaction (the server's crash points); nil costs one check.
    public var onCompactionPhase: ((CompactionPhase) -> Void)?

    /// - Parameters:
    ///   - minLeaseTTLSeconds: etcd's minimum lease TTL, ceil(1.5 * election timeout).
    ///   - nowMilliseconds: when given, this member starts as lease primary and every lease
    ///     expires at now + TTL; when nil, leases never expire until `lessor.promote(...)`.
    ///   - durableCommits: false is `syncMode: .manual`.
    public convenience init(directory: String, mapSizeBytes: Int = 8 << 30, minLeaseTTLSeconds: Int64 = 2,
                            nowMilliseconds: UInt64? = nil, durableCommits: Bool = true) throws {
        try self.init(directory: directory, mapSizeBytes: mapSizeBytes, minLeaseTTLSeconds: minLeaseTTLSeconds,
                      nowMilliseconds: nowMilliseconds, syncMode: durableCommits ? .everyCommit : .manual)
    }

    /// - Parameters:
    ///   - syncMode: how much each `commitBatch` flushes (see `BackendSyncMode`).
    ///   - adoptingWatchers: the hub of a closed store this one replaces (a member installing
    ///     a snapshot): its watchers carry over and catch up from this store's history.
    public init(directory: String, mapSizeBytes: Int = 8 << 30, minLeaseTTLSeconds: Int64 = 2,
                nowMilliseconds: UInt64? = nil, syncMode: BackendSyncMode, adoptingWatchers: WatchHub? = nil) throws {
        backend = try LMDBBackend(directory: directory, mapSizeBytes: mapSizeBytes, syncMode: syncMode)
        alarms = AlarmStore(backend: backend)
        lessor = Lessor(backend: backend, minTTLSeconds: minLeaseTTLSeconds, nowMilliseconds: nowMilliseconds)
        watchHub = adoptingWatchers ?? WatchHub()
        auth = AuthStore(backend: backend)
        watchHub.source = self
        try restore()
        watchHub.unsyncAll()
    }

    /// Name of the backend's data file in the store's directory.
    public static var dataFileName: String { LMDBBackend.dataFileName }

    deinit { backend.close() }

    // MARK: - Restore

    /// Rebuilds the key index and lease attachments from the "key" table, and finishes a
    /// compaction that was scheduled but not finished.
    private func restore() throws {
        if let raw = backend.get(.meta, MetaKey.consistentIndex), let v = BigEndianBytes.decode(raw) { appliedIndex = v }
        let finished = metaRevision(MetaKey.finishedCompact)
        let scheduled = metaRevision(MetaKey.scheduledCompact)
        if let finished { compactedRevision = finished }

        var leaseOfLiveKey: [Data: LeaseID] = [:]
        backend.scan(.key, from: nil) { rawKey, rawValue in
            let (rev, isTombstone) = Revision.decode(rawKey)
            guard let kv = try? Mvccpb_KeyValue(serializedBytes: Data(rawValue)) else {
                preconditionFailure("undecodable KeyValue at revision \(rev)")
            }
            restoreEntry(kv, rev: rev, isTombstone: isTombstone)
            if isTombstone { leaseOfLiveKey[kv.key] = nil } else { leaseOfLiveKey[kv.key] = LeaseID(kv.lease) }
            currentRevision = max(currentRevision, rev.main)
            return true
        }
        for (key, lease) in leaseOfLiveKey where lease != .none { lessor.attach(key, to: lease) }
        currentRevision = max(currentRevision, compactedRevision)

        if let scheduled, scheduled > (finished ?? -1) {
            compactedRevision = scheduled
            compactBackend(at: scheduled)
            try backend.commit()
        }
    }

    private func restoreEntry(_ kv: Mvccpb_KeyValue, rev: Revision, isTombstone: Bool) {
        if isTombstone {
            // A tombstone whose put was compacted away has nothing left to end.
            if let h = index.history(kv.key), h.isLive { h.tombstone(rev) }
            return
        }
        let h = index.historyCreating(kv.key)
        if h.isEmpty {
            // First surviving revision of the key: compaction may have removed its creation.
            h.restore(created: Revision(main: kv.createRevision), modified: rev, version: kv.version)
        } else {
            h.put(rev)
        }
    }

    func metaRevision(_ key: Data) -> Int64? {
        guard let raw = backend.get(.meta, key), raw.count >= Revision.encodedCount else { return nil }
        return raw.withUnsafeBytes { Revision.decode(UnsafeRawBufferPointer(rebasing: $0[0..<Revision.encodedCount])).revision.main }
    }

    // MARK: - Batching

    /// Commits everything applied since the last commit in one LMDB transaction.
    public func commitBatch() throws {
        try backend.commit()
    }

    /// Whether applied entries are waiting for `commitBatch`.
    public var hasUncommittedWrites: Bool { backend.hasPendingWrites }

    /// Records that `index` was applied without a store change (empty entries, conf changes).
    public func markApplied(index: UInt64) {
        guard index > appliedIndex else { return }
        setAppliedIndex(index)
    }

    func setAppliedIndex(_ index: UInt64) {
        appliedIndex = index
        backend.put(.meta, MetaKey.consistentIndex, BigEndianBytes.encode(index))
    }

    /// Closes the backend. Uncommitted applied entries are dropped (they are replayed from the
    /// WAL); call `commitBatch()` first for a clean stop.
    public func close() {
        watchHub.source = nil
        backend.close()
    }
}
