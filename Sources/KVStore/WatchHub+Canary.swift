import EtcdAPI

extension WatchHub {
    /// etcd #18089: compaction at revision C removed the record of C's change (there, a
    /// tombstone) although a watch from C is still allowed, so a watcher catching up from
    /// exactly C never got C's event. Reproduced for every event at C when the canary is on.
    func droppingCompactionRevision(_ events: [Mvccpb_Event], catchingUpFrom start: Int64) -> [Mvccpb_Event] {
        guard let compacted = source?.compactedRevision, compacted > 0, start == compacted else { return events }
        return events.filter { $0.kv.modRevision != compacted }
    }
}
