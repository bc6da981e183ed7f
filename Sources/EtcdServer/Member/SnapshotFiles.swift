import Foundation
import KVStore
import Raft

/// The backend files a member keeps next to its store while a snapshot from the leader is on
/// its way in (`<index>.snap.db.part`), once it arrived whole and was verified
/// (`<index>.snap.db`), and the copies a leader streams out (`send-<peer>-<index>.snap.tmp`).
///
/// Crash safety of an install rests on three steps, each atomic:
/// 1. the received file is fsynced and renamed to `<index>.snap.db` before Raft sees it;
/// 2. the WAL records the installed snapshot (the log is replaced from there);
/// 3. `<index>.snap.db` is renamed over the backend's data file.
/// A restart between 2 and 3 finds the WAL snapshot index and the matching file and does step 3
/// (`recover`); before 2 the old state stands and the file is removed as stale.
enum SnapshotFiles {
    static func receivedName(index: LogIndex) -> String { String(format: "%016llx.snap.db", index.rawValue) }
    static func partName(index: LogIndex) -> String { receivedName(index: index) + ".part" }
    static func outgoingName(peer: NodeID, index: LogIndex) -> String {
        "send-\(hex(peer))-\(index.rawValue).snap.tmp"
    }

    /// At start, before the store opens: finishes an install the WAL recorded (`walSnapshotIndex`)
    /// but whose backend swap did not happen, and removes every other leftover.
    static func recover(directory: String, walSnapshotIndex: LogIndex?, log: Logger) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".snap.db") || name.hasSuffix(".snap.db.part") || name.hasSuffix(".snap.tmp") {
            let path = directory + "/" + name
            if let index = walSnapshotIndex, name == receivedName(index: index) {
                log.info("finishing the installation of a received snapshot", ["snapshot-index": .int(Int64(index.rawValue))])
                try swapIn(path, directory: directory)
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// Removes received snapshot files other than `keeping` (older or refused snapshots).
    static func removeStale(directory: String, keeping: String? = nil) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".snap.db") && name != keeping {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// Atomically replaces the (closed) backend's data file with `path`.
    static func swapIn(_ path: String, directory: String) throws {
        let target = directory + "/" + KVStore.dataFileName
        guard rename(path, target) == 0 else { throw SnapshotError.io("rename \(path) to \(target)", errno) }
        try syncDirectory(directory)
    }

    /// Makes a rename in `directory` durable.
    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY)
        guard fd >= 0 else { throw SnapshotError.io("open \(directory)", errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SnapshotError.io("fsync \(directory)", errno) }
    }
}

enum SnapshotError: Error, CustomStringConvertible {
    case io(String, Int32)
    case protocolError(String)

    var description: String {
        switch self {
        case .io(let what, let code): return "\(what): \(String(cString: strerror(code)))"
        case .protocolError(let what): return what
        }
    }
}
