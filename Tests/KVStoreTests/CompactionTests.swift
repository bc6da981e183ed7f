import EtcdAPI
import Foundation
import Testing

@testable import KVStore

@Suite struct CompactionTests {
    /// The worked example of KeyHistory's documentation, through the whole store.
    @Test func generationsAndTombstones() throws {
        let s = try TestStore()
        try s.put("foo", "a")         // 2
        try s.put("foo", "b")         // 3
        try s.delete("foo")           // 4
        try s.put("foo", "c")         // 5
        try s.put("foo", "d")         // 6
        try s.delete("foo")           // 7
        #expect(try s.dump(rev: 3) == ["foo=b@2/3/2"])
        #expect(try s.dump(rev: 4) == [])
        #expect(try s.dump(rev: 6) == ["foo=d@5/6/2"])            // version restarts per generation
        #expect(try s.dump() == [])

        try s.compact(3)
        #expect(try s.dump(rev: 3) == ["foo=b@2/3/2"])            // latest version at 3 survives
        try s.compact(6)
        #expect(try s.dump(rev: 6) == ["foo=d@5/6/2"])
        #expect(s.store.index.keyCount == 1)
        try s.compact(7)
        #expect(s.store.index.keyCount == 0)                      // tombstone compacted: key gone
        #expect(try s.dump(rev: 7) == [])
    }

    @Test func compactionKeepsLatestOfLiveKeysAndDropsTombstones() throws {
        let s = try TestStore()
        try s.put("a", "1")   // 2
        try s.put("a", "2")   // 3
        try s.put("b", "1")   // 4
        try s.delete("b")     // 5
        try s.put("c", "1")   // 6
        try s.compact(5)
        var stored: [String] = []
        s.store.backend.scan(.key, from: nil) { k, _ in
            let (rev, tomb) = Revision.decode(k)
            stored.append("\(rev.main)\(tomb ? "t" : "")")
            return true
        }
        #expect(stored == ["3", "6"])
        #expect(try s.dump(rev: 5) == ["a=2@2/3/2"])
        #expect(throws: EtcdError.compacted) { try s.get("a", rev: 4) }
        #expect(throws: EtcdError.futureRevision) { try s.compact(7) }
    }

    @Test func compactionSurvivesRestartAndVersionsContinue() throws {
        let s = try TestStore()
        try s.put("k", "1")   // 2
        try s.put("k", "2")   // 3
        try s.put("k", "3")   // 4
        try s.compact(3)
        try s.store.commitBatch()
        try s.reopen()
        #expect(s.store.compactedRevision == 3)
        #expect(try s.dump(rev: 3) == ["k=2@2/3/2"])
        #expect(try s.put("k", "4").header.revision == 5)
        #expect(try s.dump() == ["k=4@2/5/4"])
        #expect(throws: EtcdError.compacted) { try s.get("k", rev: 2) }
    }

    /// Compaction deletes across many LMDB pages (cursor deletes that cross page boundaries).
    @Test func compactionAcrossManyPages() throws {
        let s = try TestStore()
        let value = String(repeating: "v", count: 300)
        for round in 0..<3 {
            try s.txn(txnRequest(success: (0..<100).map { putOp("key\($0)", value + "\(round)") }))
            for i in 0..<400 { try s.put(String(format: "k%04d", i), value + "\(round)") }
        }
        try s.delete("k0000", "k0200")
        try s.compact(s.store.currentRevision)
        var stored = 0
        s.store.backend.scan(.key, from: nil) { _, _ in stored += 1; return true }
        #expect(stored == 100 + 200)
        #expect(try s.get("\0", "\0") { $0.countOnly = true }.count == 300)
        try s.store.commitBatch()
        try s.reopen()
        #expect(try s.dump("key0", "") == ["key0=\(value)2@2/804/3"])
    }
}
