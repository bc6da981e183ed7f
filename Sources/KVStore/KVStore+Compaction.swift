import EtcdAPI
import Foundation

extension KVStore {
    /// Compacts at `revision`: history at or below it is dropped, except the latest version
    /// of every key that is live at `revision`; tombstones at or below it disappear. Done in the
    /// batch's write transaction, so it is atomic with the applied index.
    func applyCompaction(_ c: Etcdserverpb_CompactionRequest) throws(EtcdError) -> Etcdserverpb_CompactionResponse {
        if c.revision <= compactedRevision { throw .compacted }
        if c.revision > currentRevision { throw .futureRevision }
        compactedRevision = c.revision
        backend.put(.meta, MetaKey.scheduledCompact, Revision(main: c.revision).encoded())
        onCompactionPhase?(.afterSchedule)
        compactBackend(at: c.revision)
        // `physical` asks etcd to wait for the deletion; here it is already done.
        return responseWithHeader()
    }

    /// Compacts the index and deletes the dropped revisions from the "key" table.
    func compactBackend(at rev: Int64) {
        let keep = index.compact(at: rev)
        onCompactionPhase?(.afterIndex)
        _ = backend.deleteRange(.key, from: Revision(main: 0).encoded(), before: Revision(main: rev + 1).encoded()) { raw in
            !keep.contains(Revision.decode(raw).revision)
        }
        onCompactionPhase?(.beforeFinish)
        backend.put(.meta, MetaKey.finishedCompact, Revision(main: rev).encoded())
    }
}

/// The phases of a compaction, for crash points (the raw values are the point names). All run
/// inside the batch's write transaction: a crash in any of them leaves the backend at its last
/// commit, and the WAL replays the compaction.
public enum CompactionPhase: String, CaseIterable, Sendable {
    /// The scheduled revision is recorded; nothing is dropped yet.
    case afterSchedule = "compactAfterSchedule"
    /// The key index is compacted; the backend still holds the old revisions.
    case afterIndex = "compactAfterIndex"
    /// Old revisions are deleted; the finished revision is not recorded yet.
    case beforeFinish = "compactBeforeFinish"
}
