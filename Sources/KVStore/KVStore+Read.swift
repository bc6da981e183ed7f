import EtcdAPI
import Foundation

extension KVStore {
    /// A linearizable-or-serializable read (both are the same here: the caller decides when
    /// to read). Applies etcd 3.4's rules: limit+1 fetch for `more`, filters and sort after
    /// the fetch, limit after sorting, count before filtering, header revision = store revision.
    public func range(_ r: Etcdserverpb_RangeRequest) throws(EtcdError) -> Etcdserverpb_RangeResponse {
        if r.key.isEmpty { throw .emptyKey }
        return try range(r, readRevision: currentRevision)
    }

    /// Range as seen by a read at `readRevision` (inside a write txn this includes its changes).
    func range(_ r: Etcdserverpb_RangeRequest, readRevision: Int64) throws(EtcdError) -> Etcdserverpb_RangeResponse {
        // Filters and sorting need every match; otherwise fetch one extra to know `more`.
        let needsAll = r.sortOrder != .none || r.minModRevision != 0 || r.maxModRevision != 0
            || r.minCreateRevision != 0 || r.maxCreateRevision != 0
        let fetchLimit = needsAll ? 0 : (r.limit > 0 ? r.limit + 1 : 0)
        let result = try rangeKeys(KeyRange(key: r.key, rangeEnd: r.rangeEnd), revision: r.revision,
                                   readRevision: readRevision, limit: fetchLimit, countOnly: r.countOnly)
        var kvs = result.kvs.filter { kv in
            !(r.maxModRevision != 0 && kv.modRevision > r.maxModRevision)
                && !(r.minModRevision != 0 && kv.modRevision < r.minModRevision)
                && !(r.maxCreateRevision != 0 && kv.createRevision > r.maxCreateRevision)
                && !(r.minCreateRevision != 0 && kv.createRevision < r.minCreateRevision)
        }
        var order = r.sortOrder
        // Results come in ascending key order; another target without an order means ascending.
        if r.sortTarget != .key && order == .none { order = .ascend }
        if order != .none { kvs = Self.sorted(kvs, target: r.sortTarget, descending: order == .descend) }

        var resp = Etcdserverpb_RangeResponse()
        if r.limit > 0 && kvs.count > Int(r.limit) {
            kvs.removeSubrange(Int(r.limit)...)
            resp.more = true
        }
        if r.keysOnly { for i in kvs.indices { kvs[i].value = Data() } }
        resp.header.revision = result.revision
        resp.count = Int64(result.count)
        resp.kvs = kvs
        return resp
    }

    /// Stable sort (ties keep key order), like etcd's sort on its small inputs.
    static func sorted(_ kvs: [Mvccpb_KeyValue], target: Etcdserverpb_RangeRequest.SortTarget, descending: Bool) -> [Mvccpb_KeyValue] {
        func compare(_ a: Mvccpb_KeyValue, _ b: Mvccpb_KeyValue) -> Int {
            switch target {
            case .version: a.version == b.version ? 0 : (a.version < b.version ? -1 : 1)
            case .create: a.createRevision == b.createRevision ? 0 : (a.createRevision < b.createRevision ? -1 : 1)
            case .mod: a.modRevision == b.modRevision ? 0 : (a.modRevision < b.modRevision ? -1 : 1)
            case .value: compareBytes(a.value, b.value)
            default: compareBytes(a.key, b.key)
            }
        }
        let indexed = Array(kvs.enumerated())
        return indexed.sorted { x, y in
            let c = compare(x.element, y.element)
            if c != 0 { return descending ? c > 0 : c < 0 }
            return x.offset < y.offset
        }.map(\.element)
    }

    struct RangeResult {
        var kvs: [Mvccpb_KeyValue]
        var count: Int
        var revision: Int64
    }

    /// The MVCC range: the keys of `range` visible at `revision` (0 = readRevision).
    func rangeKeys(_ range: KeyRange, revision: Int64, readRevision: Int64, limit: Int64, countOnly: Bool) throws(EtcdError) -> RangeResult {
        if revision > readRevision { throw .futureRevision }
        let atRev = revision <= 0 ? readRevision : revision
        if atRev < compactedRevision { throw .compacted }
        let visible = index.visible(in: range, at: atRev, maxEntries: countOnly ? 0 : (limit <= 0 ? .max : Int(limit)))
        if countOnly { return RangeResult(kvs: [], count: visible.count, revision: readRevision) }
        let kvs = readKeyValues(visible.entries.map(\.modified))
        return RangeResult(kvs: kvs, count: visible.count, revision: readRevision)
    }

    /// Reads stored values by revision; every revision the index hands out must exist.
    func readKeyValues(_ revisions: [Revision]) -> [Mvccpb_KeyValue] {
        let raws = backend.getMany(.key, revisions.map { $0.encoded() })
        return zip(revisions, raws).map { rev, raw in
            guard let raw, let kv = try? Mvccpb_KeyValue(serializedBytes: raw) else {
                preconditionFailure("index points at missing revision \(rev)")
            }
            return kv
        }
    }

    /// The value of `key` visible at `atRev`, if any (prev_kv for watch events).
    func keyValue(_ key: Data, at atRev: Int64) -> Mvccpb_KeyValue? {
        guard atRev >= max(compactedRevision, 1), let h = index.history(key), let got = h.get(at: atRev) else { return nil }
        return readKeyValues([got.modified]).first
    }
}
