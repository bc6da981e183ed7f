import EtcdAPI
import Foundation
import Testing

@testable import KVStore

@Suite struct DurabilityTests {
    @Test func restartKeepsDataRevisionsLeasesAndAppliedIndex() throws {
        let s = try TestStore()
        _ = try s.grant(id: 9, ttl: 30)
        try s.put("a", "1", lease: 9)
        try s.put("b", "1")
        try s.delete("b")
        let applied = s.store.appliedIndex
        try s.store.commitBatch()
        try s.reopen()
        #expect(s.store.appliedIndex == applied)
        #expect(s.store.currentRevision == 4)
        #expect(try s.dump() == ["a=1@2/2/1"])
        #expect(try s.dump(rev: 3) == ["a=1@2/2/1", "b=1@3/3/1"])
        #expect(s.store.lessor.leases() == [LeaseID(9)])
        #expect(try s.store.lessor.timeToLive(LeaseID(9), keys: true, nowMilliseconds: s.now).keys == [Data("a".utf8)])
        // b's history survived too: recreating it starts a new generation.
        #expect(try s.put("b", "2").header.revision == 5)
        #expect(try s.dump("b") == ["b=2@5/5/1"])
    }

    /// Entries at or below the applied index are skipped, so replaying a WAL tail is harmless.
    @Test func replayIsIdempotent() throws {
        let s = try TestStore()
        try s.put("a", "1")        // index 1
        try s.put("a", "2")        // index 2
        try s.store.commitBatch()
        s.rewindIndex(to: 1)
        var r = Etcdserverpb_InternalRaftRequest()
        r.put.key = Data("a".utf8)
        r.put.value = Data("1".utf8)
        guard case .alreadyApplied = s.apply(r) else { Issue.record("replayed entry was applied again"); return }
        r.put.value = Data("2".utf8)
        guard case .alreadyApplied = s.apply(r) else { Issue.record("replayed entry was applied again"); return }
        #expect(try s.dump() == ["a=2@2/3/2"])
        try s.put("a", "3")        // index 3: new
        #expect(try s.dump() == ["a=3@2/4/3"])
    }

    /// Uncommitted batches vanish on a crash (close without commit) and come back by replay.
    @Test func uncommittedBatchIsReplayed() throws {
        let s = try TestStore()
        try s.put("a", "1")
        try s.store.commitBatch()
        try s.put("b", "1")
        try s.delete("a")
        #expect(s.store.hasUncommittedWrites)
        #expect(try s.dump() == ["b=1@3/3/1"])            // reads see applied-but-uncommitted writes
        try s.reopen()
        #expect(s.store.appliedIndex == 1 && s.store.currentRevision == 2)
        #expect(try s.dump() == ["a=1@2/2/1"])
        try s.put("b", "1")                                // replay of index 2, 3
        try s.delete("a")
        #expect(try s.dump() == ["b=1@3/3/1"] && s.store.currentRevision == 4)
    }

    @Test func snapshotAndDefragmentKeepContents() throws {
        let s = try TestStore()
        for i in 0..<200 { try s.put("key\(i % 20)", String(repeating: "v", count: 500)) }
        try s.compact(s.store.currentRevision)
        try s.store.commitBatch()
        let before = try s.dump()
        let hash = try s.store.hashKV(revision: 0).hash
        let snapshotPath = s.directory + "/snap.db"
        try s.store.writeSnapshot(to: snapshotPath)
        #expect(FileManager.default.fileExists(atPath: snapshotPath))
        let sizeBefore = s.store.dbSizeBytes
        try s.store.defragment()
        #expect(s.store.dbSizeBytes <= sizeBefore)
        #expect(s.store.dbSizeInUseBytes <= s.store.dbSizeBytes)
        #expect(try s.dump() == before)
        #expect(try s.store.hashKV(revision: 0).hash == hash)
        try s.put("after", "defrag")
        try s.store.commitBatch()
        try s.reopen()
        #expect(try s.dump().count == before.count + 1)
        // The snapshot file is a complete LMDB database: open it as a store.
        let restoredDir = s.directory + "/restored"
        try FileManager.default.createDirectory(atPath: restoredDir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: snapshotPath, toPath: restoredDir + "/data.mdb")
        let restored = try KVStore(directory: restoredDir, mapSizeBytes: 64 << 20)
        defer { restored.close() }
        var all = Etcdserverpb_RangeRequest()
        all.key = Data([0])
        all.rangeEnd = Data([0])
        #expect(try restored.range(all).kvs.map(describe) == before)
    }

    /// Failed requests and non-store entries still advance the applied index, in the same
    /// batch as the data, so none of them is applied twice after a restart.
    @Test func appliedIndexCoversFailuresAndMarkedEntries() throws {
        let s = try TestStore()
        #expect(throws: EtcdError.leaseNotFound) { try s.put("a", "1", lease: 99) }   // index 1
        #expect(s.store.appliedIndex == 1 && s.store.currentRevision == 1)
        s.store.markApplied(index: 2)                                                  // e.g. a conf change
        s.store.markApplied(index: 2)
        #expect(s.store.appliedIndex == 2)
        s.rewindIndex(to: 3)
        try s.put("a", "1")                                                            // index 3
        try s.store.commitBatch()
        try s.reopen()
        #expect(s.store.appliedIndex == 3 && s.store.currentRevision == 2)
    }

    @Test(arguments: [BackendSyncMode.everyCommit, .deferMeta, .manual])
    func everySyncModeReopensWithCommittedData(mode: BackendSyncMode) throws {
        let dir = NSTemporaryDirectory() + "kvstore-sync-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var put = Etcdserverpb_InternalRaftRequest()
        put.put.key = Data("k".utf8)
        put.put.value = Data("v".utf8)
        do {
            let store = try KVStore(directory: dir, mapSizeBytes: 16 << 20, syncMode: mode)
            _ = store.apply(put, index: 1, nowMilliseconds: 0)
            try store.commitBatch()
            try store.sync()
            store.close()
        }
        let reopened = try KVStore(directory: dir, mapSizeBytes: 16 << 20, syncMode: mode)
        defer { reopened.close() }
        var r = Etcdserverpb_RangeRequest()
        r.key = Data("k".utf8)
        #expect(try reopened.range(r).kvs.map(describe) == ["k=v@2/2/1"] && reopened.appliedIndex == 1)
    }
}
