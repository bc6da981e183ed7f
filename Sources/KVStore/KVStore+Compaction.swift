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
        compactBackend(at: c.revision)
        // `physical` asks etcd to wait for the deletion; here it is already done.
        return responseWithHeader()
    }

    /// Compacts the index and deletes the dropped revisions from the "key" table.
    func compactBackend(at rev: Int64) {
        let keep = index.compact(at: rev)
        _ = backend.deleteRange(.key, from: Revision(main: 0).encoded(), before: Revision(main: rev + 1).encoded()) { raw in
            !keep.contains(Revision.decode(raw).revision)
        }
        backend.put(.meta, MetaKey.finishedCompact, Revision(main: rev).encoded())
    }
}
