import Foundation
import Glibc

/// Keel's write-ahead log: opaque, checksummed records appended to preallocated segment files
/// `<seq:016x>-<firstIndex:016x>.wal` in one directory.
///
/// Threads. The WAL has one owner thread (the loop thread) that calls `append`,
/// `removeSegments` and `close`. `sync()` may run on another thread (libuv's threadpool)
/// while the owner keeps appending; at most one `sync()` runs at a time, and `close()` is
/// called only when no `sync()` is in flight. `append` only write(2)s into the page cache and
/// `sync` only fdatasyncs, so the two meet at a small locked hand-off: the descriptors that
/// hold unsynced data and whether the directory gained a segment. Contract: every record
/// whose `append` returned before `sync()` was called is durable when that `sync()` returns.
/// Group commit is the caller's job: append many proposals, then one `sync()`.
///
/// Failure. After a failed write or sync the WAL refuses further work (after a failed
/// fdatasync the kernel may have dropped the dirty pages, so retrying could falsely succeed).
///
/// Recovery (`open`). Records are returned in order. An invalid frame with no valid data after
/// it anywhere in the log is a torn tail (a write that was never synced, hence never
/// acknowledged): it is cut off and the segment is zeroed from there. An invalid frame with
/// valid data after it is corruption of acknowledged data and `open` refuses with a
/// `WALError` naming the file and offset.
public final class WAL: @unchecked Sendable {
    public let directory: String
    public let segmentBytes: Int

    // Owner-thread state.
    private var segments: [WALSegmentName]
    private var currentFD: Int32
    private var writeOffset: Int
    private var indexTag: UInt64
    private var isClosed = false
    private let directoryFD: Int32

    // State shared with `sync()`, guarded by `lock`.
    private let lock = NSLock()
    private var syncTarget: (fd: Int32, path: String)
    private var retired: [(fd: Int32, path: String)] = []
    private var directoryDirty = false
    private var failure: WALError?
    /// The lost-unsynced-writes disk mode's record of what is durable (nil when off).
    var ledger: UnsyncedWriteLedger? = DiskFaults.ledger

    private init(directory: String, segmentBytes: Int, directoryFD: Int32, segments: [WALSegmentName],
                 currentFD: Int32, writeOffset: Int) {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.directoryFD = directoryFD
        self.segments = segments
        self.currentFD = currentFD
        self.writeOffset = writeOffset
        self.indexTag = segments.last!.firstIndex
        self.syncTarget = (currentFD, directory + "/" + segments.last!.fileName)
    }

    deinit {
        if !isClosed { close() }
    }

    /// Opens the WAL in `directory`, creating it (and a first segment) if absent, repairing a
    /// torn tail, and returns every record in append order.
    public static func open(directory: String, segmentBytes: Int = 64 << 20) throws -> (WAL, [WALRecord]) {
        precondition(segmentBytes >= 4096, "wal: segmentBytes must be at least 4096")
        try WALFile.makeDirectories(directory)
        let dirFD = try WALFile.open(directory, flags: O_RDONLY | O_DIRECTORY)
        do {
            guard lockDirectory(dirFD) else {
                throw WALError(.locked, "wal: directory \(directory) is in use by another process")
            }
            var recovery = try WALRecovery(directory: directory, segmentBytes: segmentBytes, directoryFD: dirFD)
            let (records, tail) = try recovery.run()
            DiskFaults.armTrigger()
            let wal = WAL(directory: directory, segmentBytes: segmentBytes, directoryFD: dirFD,
                          segments: recovery.segments, currentFD: tail.fd, writeOffset: tail.offset)
            return (wal, records)
        } catch {
            WALFile.close(dirFD)
            throw error
        }
    }

    /// Takes the directory's exclusive lock, waiting up to a second: a process being spawned
    /// holds a copy of every descriptor (even close-on-exec ones) until its exec, so a lock
    /// just released by `close()` can look taken for a moment. A live owner keeps it longer.
    private static func lockDirectory(_ fd: Int32) -> Bool {
        for attempt in 0..<100 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK || errno == EINTR, attempt < 99 else { return false }
            usleep(10_000)
        }
        return false
    }

    /// The segment files, oldest first (for operators and tests).
    public var segmentFileNames: [String] { segments.map(\.fileName) }

    /// Writes `records` after the last record with one write(2); not durable until `sync()`.
    ///
    /// `firstIndex` tags segments for `removeSegments`: pass the lowest log index that this
    /// and every later append refers to (for Raft entries, the index of the first entry in
    /// the batch). A segment cut by this append is named with it. Appends without a tag keep
    /// the previous one.
    public func append(_ records: [WALRecord], firstIndex: UInt64? = nil) throws {
        precondition(!isClosed, "wal: append after close")
        try throwIfFailed()
        if let firstIndex { indexTag = firstIndex }
        guard !records.isEmpty else { return }
        // Cut only between appends, so a segment's tag holds for every record in it.
        if writeOffset >= segmentBytes { try cut() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(records.reduce(0) { $0 + WALFrame.frameBytes(payloadCount: $1.payload.count) })
        for record in records { WALFrame.encode(record, into: &buffer) }
        CrashPoints.hit(CrashPoints.walAppendBeforeWrite)
        do {
            let write = { [currentFD, writeOffset, currentPath] in
                try buffer.withUnsafeBytes { try WALFile.pwriteAll(currentFD, $0, at: writeOffset, path: currentPath) }
            }
            if let ledger { try ledger.write(currentPath, from: writeOffset, to: writeOffset + buffer.count, write) } else { try write() }
        } catch let error as WALError {
            fail(error)
            throw error
        }
        writeOffset += buffer.count
        CrashPoints.hit(CrashPoints.walAppendAfterWrite)
    }

    /// Makes every record appended before this call durable: fdatasync of each segment that
    /// received writes, then fsync of the directory if a segment file was created. Safe to
    /// run on another thread than `append` (see the type's documentation).
    public func sync() throws {
        try throwIfFailed()
        lock.lock()
        let toRetire = retired
        let target = syncTarget
        let syncDirectory = directoryDirty
        retired = []
        directoryDirty = false
        let pending = ledger?.pending()  // under `lock`: agrees with `syncDirectory`
        lock.unlock()

        CrashPoints.hit(CrashPoints.walSyncBeforeFdatasync)
        do {
            // Older segments first: their records precede the current segment's.
            for segment in toRetire {
                try WALFile.dataSync(segment.fd, path: segment.path)
                WALFile.close(segment.fd)
            }
            try WALFile.dataSync(target.fd, path: target.path)
            if syncDirectory { try WALFile.fullSync(directoryFD, path: directory) }
        } catch let error as WALError {
            fail(error)
            throw error
        }
        if let pending { ledger?.markSynced(pending) }
        CrashPoints.hit(CrashPoints.walSyncAfterFdatasync)
    }

    /// Deletes the oldest segments whose records all refer to indexes `<= index` (known from
    /// the next segment's tag), typically after a snapshot at `index` is durable. The current
    /// segment is never removed. Before calling, the caller must have appended (and synced)
    /// whatever it needs to restart from the snapshot, e.g. its current hard state and a
    /// snapshot marker, because records in removed segments are gone. Returns how many
    /// segments were removed.
    @discardableResult
    public func removeSegments(through index: UInt64) throws -> Int {
        precondition(!isClosed, "wal: removeSegments after close")
        var removed = 0
        while segments.count >= 2 {
            let next = segments[1]
            guard next.firstIndex > 0, next.firstIndex - 1 <= index else { break }
            try WALFile.unlink(directory + "/" + segments[0].fileName)
            ledger?.forget(directory + "/" + segments[0].fileName)
            segments.removeFirst()
            removed += 1
        }
        return removed
    }

    /// Releases the files and the directory lock. Does not sync: call `sync()` first for
    /// durability. No `sync()` may be in flight.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        lock.lock()
        let fds = retired.map(\.fd) + [currentFD]
        retired = []
        lock.unlock()
        for fd in fds { WALFile.close(fd) }
        WALFile.close(directoryFD)  // also drops the flock
    }

    private var currentPath: String { directory + "/" + segments.last!.fileName }

    /// Starts a new segment named with the current index tag. The old descriptor is handed to
    /// the next `sync()`, which flushes and closes it.
    private func cut() throws {
        let last = segments.last!
        let name = WALSegmentName(seq: last.seq + 1, firstIndex: indexTag)
        let fd: Int32
        do {
            fd = try WALSegmentFile.create(directory + "/" + name.fileName, segmentBytes: segmentBytes)
        } catch let error as WALError {
            fail(error)
            throw error
        }
        let oldFD = currentFD
        let oldPath = currentPath
        segments.append(name)
        currentFD = fd
        writeOffset = WALSegmentScan.headerBytes
        lock.lock()
        ledger?.created(currentPath, headerBytes: WALSegmentScan.headerBytes)
        retired.append((oldFD, oldPath))
        syncTarget = (fd, currentPath)
        directoryDirty = true
        lock.unlock()
        CrashPoints.hit(CrashPoints.walAfterCut)
    }

    private func fail(_ error: WALError) {
        lock.lock()
        if failure == nil { failure = error }
        lock.unlock()
    }

    private func throwIfFailed() throws {
        lock.lock()
        let failure = self.failure
        lock.unlock()
        if let failure { throw WALError(failure.code, "wal: unusable after an earlier failure: \(failure.description)") }
    }
}

/// Creating a segment: preallocated zeros, then the magic header.
enum WALSegmentFile {
    static func create(_ path: String, segmentBytes: Int) throws -> Int32 {
        let fd = try WALFile.open(path, flags: O_RDWR | O_CREAT | O_EXCL)
        do {
            try WALFile.preallocate(fd, size: segmentBytes, path: path)
            try WALSegmentScan.magic.withUnsafeBytes { try WALFile.pwriteAll(fd, $0, at: 0, path: path) }
            return fd
        } catch {
            WALFile.close(fd)
            throw error
        }
    }
}
