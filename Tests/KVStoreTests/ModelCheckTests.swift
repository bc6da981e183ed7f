import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// A deliberately naive MVCC model: every version of every key in a list.
struct MVCCModel {
    struct Version {
        var revision: Int64
        var value: String?      // nil = tombstone
        var created: Int64
        var version: Int64
    }

    var revision: Int64 = 1
    var compacted: Int64 = -1
    var versions: [String: [Version]] = [:]

    func visible(_ key: String, at rev: Int64) -> Version? {
        guard let v = versions[key]?.last(where: { $0.revision <= rev }), v.value != nil else { return nil }
        return v
    }

    func dump(at rev: Int64) -> [String] {
        versions.keys.sorted().compactMap { k in
            visible(k, at: rev).map { "\(k)=\($0.value!)@\($0.created)/\($0.revision)/\($0.version)" }
        }
    }

    /// One write revision putting and deleting keys (a put or delete-range or txn).
    mutating func write(puts: [(String, String)], deletes: [String]) {
        let live = deletes.filter { visible($0, at: revision) != nil }
        guard !puts.isEmpty || !live.isEmpty else { return }
        revision += 1
        for (k, v) in puts {
            let prev = visible(k, at: revision)
            versions[k, default: []].append(Version(revision: revision, value: v, created: prev?.created ?? revision,
                                                    version: (prev?.version ?? 0) + 1))
        }
        for k in live { versions[k, default: []].append(Version(revision: revision, value: nil, created: 0, version: 0)) }
    }
}

struct SplitMix {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

@Suite struct ModelCheckTests {
    static let keys = ["a", "b", "c", "d", "e", "f", "g", "h"]

    /// Random puts, delete-ranges, txns, compactions and restarts; after each step every
    /// readable revision must look exactly like the model.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomHistoryMatchesModel(seed: UInt64) throws {
        var rng = SplitMix(state: seed)
        var model = MVCCModel()
        let s = try TestStore()
        for step in 0..<300 {
            let keys = Self.keys
            switch rng.next(10) {
            case 0...3:
                let k = keys[rng.next(keys.count)], v = "v\(step)"
                try s.put(k, v)
                model.write(puts: [(k, v)], deletes: [])
            case 4...5:
                let i = rng.next(keys.count), j = min(keys.count, i + 1 + rng.next(3))
                let end = j < keys.count ? keys[j] : "z"
                try s.delete(keys[i], end)
                model.write(puts: [], deletes: Array(keys[i..<j]))
            case 6...7:
                let picked = Array(Set((0..<3).map { _ in keys[rng.next(keys.count)] })).sorted()
                let puts = picked.map { ($0, "t\(step)") }
                try s.txn(txnRequest(success: puts.map { putOp($0.0, $0.1) }))
                model.write(puts: puts, deletes: [])
            case 8:
                let low = max(model.compacted + 1, 1)
                if low <= model.revision {
                    let at = low + Int64(rng.next(Int(model.revision - low + 1)))
                    try s.compact(at)
                    model.compacted = at
                }
            default:
                try s.store.commitBatch()
                try s.reopen()
            }
            #expect(s.store.currentRevision == model.revision)
            #expect(try s.dump() == model.dump(at: model.revision), "step \(step)")
            let low = max(model.compacted, 1)
            let rev = low + Int64(rng.next(Int(model.revision - low + 1)))
            #expect(try s.dump(rev: rev) == model.dump(at: rev), "step \(step) rev \(rev)")
            if model.compacted > 1 {
                #expect(throws: EtcdError.compacted) { try s.get("a", rev: model.compacted - 1) }
            }
        }
    }

    /// Watchers with sinks that refuse at random, caught up with a small budget while writes
    /// go on, see every change exactly once and in revision order.
    @Test(arguments: [7, 8] as [UInt64])
    func watchersSeeEveryChangeOnceUnderBackpressure(seed: UInt64) throws {
        var rng = SplitMix(state: seed)
        let s = try TestStore()
        var expected: [String] = []
        var seen: [[String]] = [[], [], []]
        var watchers: [Watcher] = []
        for w in 0..<3 {
            let watcher = s.store.watchHub.watch(key: Data([0]), rangeEnd: Data([0]), startRevision: 2, prevKV: false, filters: [],
                sink: { events, _ in
                    // A sink that is "full" every few batches.
                    if rng.next(3) == 0 { return false }
                    seen[w] += events.map(RecordingSink.describe)
                    return true
                }, onCompacted: { _ in Issue.record("unexpected compaction") })
            watchers.append(watcher)
        }
        for step in 0..<200 {
            let k = Self.keys[rng.next(Self.keys.count)]
            if rng.next(4) == 0 {
                let resp = try s.delete(k)
                if resp.deleted == 1 { expected.append("DEL \(k)=@\(resp.header.revision)") }
            } else {
                let resp = try s.put(k, "v\(step)")
                expected.append("PUT \(k)=v\(step)@\(resp.header.revision)")
            }
            s.store.watchHub.syncUnsynced(maxEvents: 3)
        }
        var rounds = 0
        while s.store.watchHub.unsyncedCount > 0 && rounds < 10_000 {
            s.store.watchHub.syncUnsynced(maxEvents: 3)
            rounds += 1
        }
        for w in 0..<3 {
            #expect(seen[w] == expected, "watcher \(w)")
            #expect(s.store.watchHub.isSynced(watchers[w]))
        }
    }
}
