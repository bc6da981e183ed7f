import Foundation
import Glibc
import Raft
import Testing

@testable import EtcdServer

/// The lost-unsynced-writes disk mode on the WAL side: after the emulated power loss, what
/// was synced is all there, what was not is gone or left as a torn tail that reopening repairs.
@Suite struct WALLostUnsyncedTests {
    private final class Dir {
        let path: String
        init() {
            var template = Array("/tmp/keel-wal-lost-XXXXXX".utf8CString)
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            precondition(made != nil, "mkdtemp failed")
            path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } + "/wal"
        }
        deinit { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    }

    private func record(_ i: Int, size: Int = 50) -> WALRecord {
        WALRecord(type: 1, payload: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ i) })
    }

    /// Writes `synced` records and syncs, writes `unsynced` more without a sync, loses the
    /// unsynced bytes, and reopens.
    private func crashAndReopen(seed: UInt64, synced: Int, unsynced: Int, segmentBytes: Int = 64 << 10)
        throws -> (reopened: [WALRecord], written: [WALRecord], losses: [UnsyncedWriteLedger.Loss]) {
        let dir = Dir()
        let written = (0..<(synced + unsynced)).map { record($0) }
        let (wal, initial) = try WAL.open(directory: dir.path, segmentBytes: segmentBytes)
        #expect(initial.isEmpty)
        let ledger = UnsyncedWriteLedger(seed: seed)
        wal.ledger = ledger
        for r in written.prefix(synced) { try wal.append([r]) }
        try wal.sync()
        for r in written.suffix(unsynced) { try wal.append([r]) }
        let losses = ledger.loseUnsynced(forever: false)
        wal.close()
        let (again, reopened) = try WAL.open(directory: dir.path, segmentBytes: segmentBytes)
        // The repaired log takes appends that survive the next reopen.
        try again.append([record(999)])
        try again.sync()
        again.close()
        let (_, final) = try WAL.open(directory: dir.path, segmentBytes: segmentBytes)
        #expect(final == reopened + [record(999)])
        return (reopened, written, losses)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func syncedRecordsSurviveAndTheTornTailIsRepaired(seed: UInt64) throws {
        let (reopened, written, losses) = try crashAndReopen(seed: seed, synced: 10, unsynced: 6)
        // Every synced record is there; past them only a prefix of the unsynced ones, in order.
        #expect(reopened.count >= 10 && reopened.count <= 16)
        #expect(reopened == Array(written.prefix(reopened.count)))
        let loss = try #require(losses.first)
        #expect(losses.count == 1 && !loss.fileRemoved)
        #expect(loss.unsyncedBytes == 6 * WALFrame.frameBytes(payloadCount: 50))
        #expect(loss.keptBytes < loss.unsyncedBytes)
        // The records that survived are exactly those the kept prefix holds whole.
        #expect(reopened.count - 10 == loss.keptBytes / WALFrame.frameBytes(payloadCount: 50))
    }

    @Test func seedsGiveTornRecordsNotOnlyRecordBoundaries() throws {
        let frame = WALFrame.frameBytes(payloadCount: 50)
        var torn = 0
        for seed in UInt64(1)...8 {
            let (_, _, losses) = try crashAndReopen(seed: seed, synced: 3, unsynced: 6)
            if let kept = losses.first?.keptBytes, kept % frame != 0 { torn += 1 }
        }
        #expect(torn > 0, "no seed tore a record in half: the repair path went untested")
    }

    @Test func everythingSyncedLosesNothing() throws {
        let dir = Dir()
        let (wal, _) = try WAL.open(directory: dir.path)
        let ledger = UnsyncedWriteLedger(seed: 1)
        wal.ledger = ledger
        let records = (0..<5).map { record($0) }
        try wal.append(records)
        try wal.sync()
        #expect(ledger.loseUnsynced(forever: false).isEmpty)
        wal.close()
        let (_, reopened) = try WAL.open(directory: dir.path)
        #expect(reopened == records)
    }

    @Test func aSegmentCreatedSinceTheLastSyncIsGone() throws {
        let dir = Dir()
        let (wal, _) = try WAL.open(directory: dir.path, segmentBytes: 4096)
        let ledger = UnsyncedWriteLedger(seed: 3)
        wal.ledger = ledger
        let big = (0..<3).map { record($0, size: 1500) }
        try wal.append(big)  // fills the first segment past its size
        try wal.sync()
        try wal.append([record(50)])  // cuts a second segment, never synced
        #expect(wal.segmentFileNames.count == 2)
        let losses = ledger.loseUnsynced(forever: false)
        #expect(losses.contains { $0.fileRemoved })
        wal.close()
        let (again, reopened) = try WAL.open(directory: dir.path, segmentBytes: 4096)
        #expect(reopened == big)
        #expect(again.segmentFileNames.count == 1)
        again.close()
    }

    @Test func diskFaultSpecParsing() {
        #expect(DiskFaults.parse("") == nil)
        #expect(DiskFaults.parse("lostUnsynced") == 0)
        #expect(DiskFaults.parse("lostUnsynced:42") == 42)
        #expect(DiskFaults.parse("lostUnsynced:x") == nil)
        #expect(DiskFaults.parse("fsyncFails") == nil)
    }
}

/// The member's log over a WAL that lost the tail of an installed snapshot's append.
@Suite struct DurableRaftLogTornSnapshotTests {
    @Test func aSnapshotRecordWithoutItsHardStateStillOpens() throws {
        var template = Array("/tmp/keel-raftlog-torn-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let root = try #require(made.map { String(cString: $0) })
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/wal"
        do {
            let log = try DurableRaftLog.open(directory: dir)
            try log.writeIdentity(.init(memberID: NodeID(7), clusterID: 9))
            try log.append(hardState: HardState(term: 1, vote: NodeID(7), commit: 3),
                           entries: (1...3).map { Entry(term: 1, index: LogIndex($0)) })
            try log.sync()
            try log.appendInstalledSnapshot(SnapshotMetadata(index: 10, term: 2), hardState: HardState(term: 2, commit: 10))
            try log.sync()
            log.close()
        }
        // Tear the last append right after the snapshot record: its hard state is gone.
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".wal") })
        let path = dir + "/" + segment
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let end = try #require(bytes.lastIndex { $0 != 0 }) + 1
        let hardStateFrame = WALFrame.frameBytes(payloadCount: RaftCodec.encode(HardState(term: 2, commit: 10)).count)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(end - hardStateFrame + 3))
        try handle.write(contentsOf: Data(repeating: 0, count: hardStateFrame - 3))
        try handle.close()

        let reopened = try DurableRaftLog.open(directory: dir)
        defer { reopened.close() }
        #expect(reopened.snapshotMetadata?.index == 10)
        #expect(reopened.hardState == HardState(term: 2, vote: .none, commit: 10))
        #expect(reopened.storage.firstIndex() == LogIndex(11))
    }
}
