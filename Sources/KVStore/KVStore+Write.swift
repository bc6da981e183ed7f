import EtcdAPI
import Foundation

/// The changes of one write (a put, a delete-range, a txn, a lease revoke): all get main
/// revision `beginRevision + 1`, numbered by sub revision, and the store revision moves only
/// if there was at least one change.
final class WriteTxn {
    let beginRevision: Int64
    var changes: [Mvccpb_KeyValue] = []

    init(beginRevision: Int64) { self.beginRevision = beginRevision }

    /// The revision reads inside this write see (its own changes included).
    var readRevision: Int64 { changes.isEmpty ? beginRevision : beginRevision + 1 }

    /// The revision a response reports for this write.
    var resultRevision: Int64 { readRevision }

    var nextRevision: Revision { Revision(main: beginRevision + 1, sub: Int64(changes.count)) }
}

extension KVStore {
    func beginWrite() -> WriteTxn { WriteTxn(beginRevision: currentRevision) }

    /// Stores a new version of `key`, moving its lease attachment if the lease changed.
    func put(_ w: WriteTxn, key: Data, value: Data, lease: LeaseID) {
        let rev = w.nextRevision
        let history = index.history(key)
        let previous = history?.get(at: rev.main)
        var kv = Mvccpb_KeyValue()
        kv.key = key
        kv.value = value
        kv.createRevision = previous?.created.main ?? rev.main
        kv.modRevision = rev.main
        kv.version = (previous?.version ?? 0) + 1
        kv.lease = lease.rawValue
        backend.put(.key, rev.encoded(), try! kv.serializedData())
        (history ?? index.historyCreating(key)).put(rev)  // one index descent for existing keys
        w.changes.append(kv)
        if previous != nil { lessor.detach(key) }
        lessor.attach(key, to: lease)
    }

    /// Deletes the live keys of `range`; returns how many.
    func deleteRange(_ w: WriteTxn, _ range: KeyRange) -> Int64 {
        let live = index.histories(in: range).filter(\.isLive).map(\.key)
        for key in live { delete(w, key: key) }
        return Int64(live.count)
    }

    private func delete(_ w: WriteTxn, key: Data) {
        let rev = w.nextRevision
        var kv = Mvccpb_KeyValue()
        kv.key = key
        backend.put(.key, rev.encoded(tombstone: true), try! kv.serializedData())
        index.tombstone(key, rev)
        w.changes.append(kv)
        lessor.detach(key)
    }

    /// Ends a write: bumps the revision if anything changed and hands the events to watchers.
    func endWrite(_ w: WriteTxn) {
        guard !w.changes.isEmpty else { return }
        precondition(w.beginRevision == currentRevision, "overlapping writes")
        let rev = w.beginRevision + 1
        currentRevision = rev
        let events = w.changes.map { change -> Mvccpb_Event in
            var e = Mvccpb_Event()
            var kv = change
            // A tombstone's stored value has only the key; a delete event carries its revision.
            if kv.createRevision == 0 {
                e.type = .delete
                kv.modRevision = rev
            } else {
                e.type = .put
            }
            e.kv = kv
            return e
        }
        watchHub.notify(revision: rev, events: events)
    }
}
