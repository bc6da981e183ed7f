import Foundation
import Glibc

/// What the WAL wrote into each segment file and how much of it an fdatasync has made durable,
/// so a crash can leave the files as a power loss would (the lost-unsynced-writes disk mode,
/// `DiskFaults`). A kill -9 alone keeps the page cache, so without this a test could never see
/// a write that was acknowledged before its fsync disappear.
///
/// Threads: appends hold the ledger's lock across their write(2), `sync()` snapshots what was
/// written before it starts and marks it durable after the fdatasync returns, and `loseUnsynced`
/// takes the lock for good (the process dies right after), so no write can land after the
/// loss was applied and no sync completion can be acted on without the loss seeing it.
final class UnsyncedWriteLedger: @unchecked Sendable {
    /// One segment file as the ledger sees it.
    struct Segment: Equatable {
        /// End of the last completed write.
        var written: Int
        /// End of what the last completed fdatasync covered.
        var synced: Int
        /// The file was created and the directory not fsynced since: its entry may be lost.
        var entryUnsynced: Bool
    }

    /// What one emulated crash did to one file.
    struct Loss: Equatable, CustomStringConvertible {
        var path: String
        /// Bytes written but never synced.
        var unsyncedBytes: Int
        /// Of those, the prefix that survived (a torn last write).
        var keptBytes: Int
        var fileRemoved: Bool

        var description: String {
            let name = (path as NSString).lastPathComponent
            if fileRemoved { return "\(name): removed (created, directory never synced)" }
            return "\(name): \(unsyncedBytes) unsynced bytes, \(keptBytes) kept as a torn tail"
        }
    }

    private let lock = NSLock()
    private var segments: [String: Segment] = [:]
    private var rng: UInt64

    init(seed: UInt64) {
        rng = seed
    }

    /// A segment just created (header written, nothing synced, directory entry not durable).
    func created(_ path: String, headerBytes: Int) {
        lock.lock()
        segments[path] = Segment(written: headerBytes, synced: 0, entryUnsynced: true)
        lock.unlock()
    }

    /// Runs `write` (the bytes [start, end) of `path`) under the lock and records it. A file the
    /// ledger has not seen is one recovery opened: what it held counts as durable.
    func write<T>(_ path: String, from start: Int, to end: Int, _ write: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let result = try write()
        var segment = segments[path] ?? Segment(written: start, synced: start, entryUnsynced: false)
        segment.written = max(segment.written, end)
        segments[path] = segment
        return result
    }

    /// What has been written so far, per file: taken when a sync starts.
    func pending() -> [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return segments.mapValues(\.written)
    }

    /// The sync that started with `pending` finished: those bytes and the directory entries
    /// (the WAL fsyncs the directory in the same sync when a segment was created) are durable.
    func markSynced(_ pending: [String: Int]) {
        lock.lock()
        defer { lock.unlock() }
        for (path, written) in pending {
            guard var segment = segments[path] else { continue }
            segment.synced = max(segment.synced, written)
            segment.entryUnsynced = false
            segments[path] = segment
        }
    }

    func forget(_ path: String) {
        lock.lock()
        segments[path] = nil
        lock.unlock()
    }

    func segment(_ path: String) -> Segment? {
        lock.lock()
        defer { lock.unlock() }
        return segments[path]
    }

    /// Applies the loss: every unsynced byte is zeroed except a seeded prefix (the torn last
    /// write), and a segment whose directory entry was never synced is removed. With `forever`
    /// the lock stays taken (the caller kills the process next); tests pass false.
    /// Takes a lock and allocates: never call it from a signal handler.
    func loseUnsynced(forever: Bool) -> [Loss] {
        lock.lock()
        defer { if !forever { lock.unlock() } }
        var losses: [Loss] = []
        for (path, segment) in segments.sorted(by: { $0.key < $1.key }) {
            if segment.entryUnsynced {
                _ = unlink(path)
                losses.append(Loss(path: path, unsyncedBytes: segment.written, keptBytes: 0, fileRemoved: true))
                segments[path] = nil
                continue
            }
            let unsynced = segment.written - segment.synced
            guard unsynced > 0 else { continue }
            let kept = Int(nextRandom() % UInt64(unsynced))
            zero(path, from: segment.synced + kept, count: unsynced - kept)
            losses.append(Loss(path: path, unsyncedBytes: unsynced, keptBytes: kept, fileRemoved: false))
            segments[path] = Segment(written: segment.synced + kept, synced: segment.synced + kept, entryUnsynced: false)
        }
        return losses
    }

    /// Overwrites with zeros (the segments are preallocated with zeros, so this is what an
    /// unwritten page reads as). Best effort: a crash emulation has nobody to report to.
    private func zero(_ path: String, from offset: Int, count: Int) {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { Glibc.close(fd) }
        let zeros = [UInt8](repeating: 0, count: min(count, 1 << 20))
        var done = 0
        while done < count {
            let n = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress!, min(zeros.count, count - done), off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }

    /// SplitMix64: one seed gives the same torn lengths.
    private func nextRandom() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
