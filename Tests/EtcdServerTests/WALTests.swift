import Foundation
import Glibc
import Testing

@testable import EtcdServer

/// A fresh directory under /tmp, removed when the test ends.
private final class TempDir {
    let path: String

    init() {
        var template = Array("/tmp/keel-wal-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    var wal: String { path + "/wal" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private func record(_ i: Int, size: Int = 20) -> WALRecord {
    WALRecord(type: UInt8(1 + i % 3), payload: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) })
}

private func segmentPaths(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".wal") }.sorted().map { dir + "/" + $0 }
}

/// The file offset where record `n` (0-based) of a single-segment log starts.
private func offsetOf(record n: Int, in records: [WALRecord]) -> Int {
    WALSegmentScan.headerBytes + records.prefix(n).reduce(0) { $0 + WALFrame.frameBytes(payloadCount: $1.payload.count) }
}

private func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
}

private func truncateFile(_ path: String, to size: Int) {
    let result = truncate(path, off_t(size))
    precondition(result == 0, "truncate failed")
}

private func copyDirectory(_ from: String, to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    try FileManager.default.copyItem(atPath: from, toPath: to)
}

@Suite struct WALTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32Castagnoli.checksum(Array("123456789".utf8)) == 0xE306_9283)
        // Slicing-by-8 and the byte loop must agree on every length.
        let bytes = (0..<100).map { UInt8($0 * 13 & 0xff) }
        var pieces = CRC32Castagnoli()
        pieces.update(Array(bytes[0..<3]))
        pieces.update(Array(bytes[3...]))
        #expect(pieces.value == CRC32Castagnoli.checksum(bytes))
    }

    @Test func roundTripAndReopen() throws {
        let tmp = TempDir()
        let written = [record(0), WALRecord(type: 9, payload: []), record(2, size: 1), record(3, size: 1000)]
        do {
            let (wal, initial) = try WAL.open(directory: tmp.wal, segmentBytes: 1 << 16)
            #expect(initial.isEmpty)
            try wal.append(written)
            try wal.sync()
            wal.close()
        }
        let (wal, replayed) = try WAL.open(directory: tmp.wal, segmentBytes: 1 << 16)
        #expect(replayed == written)
        try wal.append([record(4)])
        try wal.sync()
        wal.close()
        let (again, all) = try WAL.open(directory: tmp.wal, segmentBytes: 1 << 16)
        #expect(all == written + [record(4)])
        again.close()
    }

    @Test func segmentsArePreallocatedAndNamed() throws {
        let tmp = TempDir()
        let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 8192)
        defer { wal.close() }
        #expect(wal.segmentFileNames == ["0000000000000000-0000000000000000.wal"])
        let size = try FileManager.default.attributesOfItem(atPath: tmp.wal + "/" + wal.segmentFileNames[0])[.size] as? Int
        #expect(size == 8192)
    }

    @Test func manySegmentsReplayInOrder() throws {
        let tmp = TempDir()
        var written: [WALRecord] = []
        do {
            let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
            for i in 0..<300 {
                let r = record(i, size: 50 + i % 40)
                try wal.append([r], firstIndex: UInt64(i + 1))
                written.append(r)
                if i % 7 == 0 { try wal.sync() }
            }
            try wal.sync()
            #expect(wal.segmentFileNames.count > 5)
            wal.close()
        }
        let names = try segmentPaths(tmp.wal).map { ($0 as NSString).lastPathComponent }
        #expect(names.count > 5)
        #expect(names.first == "0000000000000000-0000000000000000.wal")
        let (wal, replayed) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        #expect(replayed == written)
        wal.close()
    }

    @Test func tornTailAtEveryByteIsRepaired() throws {
        let tmp = TempDir()
        let written = (0..<4).map { record($0, size: 30) }
        do {
            let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
            try wal.append(written)
            try wal.sync()
            wal.close()
        }
        let segment = try #require(try segmentPaths(tmp.wal).first)
        let lastStart = offsetOf(record: 3, in: written)
        let lastEnd = offsetOf(record: 4, in: written)
        let work = tmp.path + "/work"
        for cut in lastStart..<lastEnd {
            try copyDirectory(tmp.wal, to: work)
            truncateFile(work + "/" + (segment as NSString).lastPathComponent, to: cut)
            let (wal, replayed) = try WAL.open(directory: work, segmentBytes: 4096)
            #expect(replayed == Array(written.prefix(3)), "cut at \(cut)")
            // The repaired log accepts appends right after the last good record.
            try wal.append([record(99)])
            try wal.sync()
            wal.close()
            let (reopened, after) = try WAL.open(directory: work, segmentBytes: 4096)
            #expect(after == Array(written.prefix(3)) + [record(99)], "cut at \(cut)")
            reopened.close()
        }
    }

    @Test func zeroedAndGarbageTailsAreDropped() throws {
        let tmp = TempDir()
        let written = (0..<5).map { record($0, size: 40) }
        do {
            let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
            try wal.append(written)
            try wal.sync()
            wal.close()
        }
        let segmentName = (try #require(try segmentPaths(tmp.wal).first) as NSString).lastPathComponent
        let lastStart = offsetOf(record: 4, in: written)
        let work = tmp.path + "/work"
        // Zeroed from inside the last record (a preallocated block that never got its data).
        for zeroFrom in [lastStart, lastStart + 3, lastStart + 20] {
            try copyDirectory(tmp.wal, to: work)
            try overwrite(work + "/" + segmentName, at: zeroFrom, with: [UInt8](repeating: 0, count: 64))
            let (wal, replayed) = try WAL.open(directory: work, segmentBytes: 4096)
            #expect(replayed == Array(written.prefix(4)))
            wal.close()
        }
        // Garbage over the last record.
        try copyDirectory(tmp.wal, to: work)
        try overwrite(work + "/" + segmentName, at: lastStart + 9, with: [UInt8](repeating: 0xAB, count: 20))
        let (wal, replayed) = try WAL.open(directory: work, segmentBytes: 4096)
        #expect(replayed == Array(written.prefix(4)))
        wal.close()
    }

    @Test func corruptionInTheMiddleIsRefusedWithFileAndOffset() throws {
        let tmp = TempDir()
        let written = (0..<6).map { record($0, size: 40) }
        do {
            let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
            try wal.append(written)
            try wal.sync()
            wal.close()
        }
        let segment = try #require(try segmentPaths(tmp.wal).first)
        let badOffset = offsetOf(record: 2, in: written)
        try overwrite(segment, at: badOffset + 15, with: [0xFF])
        let error = #expect(throws: WALError.self) { try WAL.open(directory: tmp.wal, segmentBytes: 4096) }
        #expect(error?.code == .corrupt)
        #expect(error?.description.hasPrefix("wal: corrupt record at \(segment) offset \(badOffset): crc mismatch") == true,
                "\(error?.description ?? "")")
    }

    @Test func corruptionInAnOlderSegmentIsRefused() throws {
        let tmp = TempDir()
        do {
            let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
            for i in 0..<100 { try wal.append([record(i, size: 100)]) }
            try wal.sync()
            wal.close()
        }
        let first = try #require(try segmentPaths(tmp.wal).first)
        try overwrite(first, at: WALSegmentScan.headerBytes + 12, with: [0x00, 0x11])
        let error = #expect(throws: WALError.self) { try WAL.open(directory: tmp.wal, segmentBytes: 4096) }
        #expect(error?.description.contains("wal: corrupt record at \(first) offset \(WALSegmentScan.headerBytes)") == true,
                "\(error?.description ?? "")")
    }

    @Test func tornSegmentCreationIsRepaired() throws {
        let tmp = TempDir()
        let written = [record(1), record(2)]
        do {
            let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
            try wal.append(written)
            try wal.sync()
            wal.close()
        }
        // A crash after creating the next segment but before its header reached the disk.
        let empty = tmp.wal + "/0000000000000001-0000000000000005.wal"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data(count: 4096)))
        let (wal, replayed) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        #expect(replayed == written)
        try wal.append([record(3)])
        try wal.sync()
        wal.close()
        let (again, all) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        #expect(all == written + [record(3)])
        again.close()
    }

    @Test func foreignFilesAreRefusedOrIgnored() throws {
        let tmp = TempDir()
        try FileManager.default.createDirectory(atPath: tmp.wal, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: tmp.wal + "/notes.txt", contents: Data("hi".utf8)))
        let bogus = tmp.wal + "/0000000000000000-0000000000000000.wal"
        #expect(FileManager.default.createFile(atPath: bogus, contents: Data("not a wal segment".utf8)))
        let error = #expect(throws: WALError.self) { try WAL.open(directory: tmp.wal, segmentBytes: 4096) }
        #expect(error?.code == .badSegment)
        #expect(error?.description.contains(bogus) == true)
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() throws {
        let tmp = TempDir()
        let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        let error = #expect(throws: WALError.self) { try WAL.open(directory: tmp.wal, segmentBytes: 4096) }
        #expect(error?.code == .locked)
        wal.close()
        let (reopened, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        reopened.close()
    }

    @Test func oldSegmentsAreReleasedAfterASnapshot() throws {
        let tmp = TempDir()
        let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        // One record per Raft index 1...200, tagged with its index.
        for index in 1...200 {
            try wal.append([record(index, size: 100)], firstIndex: UInt64(index))
        }
        try wal.sync()
        let before = wal.segmentFileNames
        #expect(before.count > 4)
        let tags = before.compactMap { WALSegmentName(fileName: $0)?.firstIndex }
        // Snapshot at the index just before the third segment's first index: exactly the
        // first two segments hold nothing newer.
        let snapshotIndex = tags[2] - 1
        #expect(try wal.removeSegments(through: snapshotIndex) == 2)
        #expect(wal.segmentFileNames == Array(before.dropFirst(2)))
        // Nothing more to release at the same point; the current segment always stays.
        #expect(try wal.removeSegments(through: snapshotIndex) == 0)
        #expect(try wal.removeSegments(through: UInt64.max - 1) == before.count - 3)
        #expect(wal.segmentFileNames == [before.last!])
        wal.close()
        let (reopened, replayed) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        let lastTag = Int(tags.last!)
        #expect(replayed == (lastTag...200).map { record($0, size: 100) })
        reopened.close()
    }

    @Test func syncOnAnotherThreadWhileAppending() throws {
        let tmp = TempDir()
        let (wal, _) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        let syncs = DispatchGroup()
        let failures = SyncFailures()
        var written: [WALRecord] = []
        for i in 0..<400 {
            let r = record(i, size: 64)
            try wal.append([r], firstIndex: UInt64(i + 1))
            written.append(r)
            if i % 10 == 0 {
                syncs.wait()  // at most one sync in flight, as the contract says
                DispatchQueue.global().async(group: syncs) {
                    do { try wal.sync() } catch { failures.add("\(error)") }
                }
            }
        }
        syncs.wait()
        try wal.sync()
        #expect(failures.all.isEmpty)
        wal.close()
        let (reopened, replayed) = try WAL.open(directory: tmp.wal, segmentBytes: 4096)
        #expect(replayed == written)
        reopened.close()
    }

    @Test func crashPointSpecParsing() {
        #expect(CrashPoints.parse("") == [:])
        #expect(CrashPoints.parse("walBeforeSync") == ["walBeforeSync": 1])
        #expect(CrashPoints.parse("walBeforeSync:3, walAfterCut") == ["walBeforeSync": 3, "walAfterCut": 1])
        #expect(CrashPoints.parse("x:0") == ["x": 1])
    }

    @Test func segmentNamesParse() {
        let name = WALSegmentName(seq: 0x1a, firstIndex: 0x2b)
        #expect(name.fileName == "000000000000001a-000000000000002b.wal")
        #expect(WALSegmentName(fileName: name.fileName) == name)
        #expect(WALSegmentName(fileName: "1a-2b.wal") == nil)
        #expect(WALSegmentName(fileName: "000000000000001a-000000000000002b.tmp") == nil)
    }
}

private final class SyncFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
