import Foundation
import Glibc

/// Test-only disk fault modes, chosen with `KEEL_DISK_FAULTS`. Never set in production.
///
/// `KEEL_DISK_FAULTS=lostUnsynced[:SEED]`: the process keeps an `UnsyncedWriteLedger` of its
/// WAL. When it dies at a crash point (`KEEL_CRASH_POINT`) or on SIGUSR2, it first leaves its
/// WAL as a power loss would: every byte written since the last completed fdatasync of its
/// segment is zeroed except a seeded prefix (a torn last write), and a segment created since
/// the last directory fsync is removed. Then it SIGKILLs itself. A plain SIGKILL keeps the page
/// cache, so only this shows whether anything was acknowledged before its fsync.
///
/// Covers the WAL only. The LMDB backend is not rolled back: the member commits it without
/// fsyncing the meta page (`BackendSyncMode.deferMeta`) and replays from the WAL whatever
/// the backend lacks, so losing its last commit is the same as the backend lagging — but that
/// path is not exercised here. Snapshot files are fsynced before they are renamed into place.
public enum DiskFaults {
    /// The seed of the lostUnsynced mode, nil when the mode is off.
    static let lostUnsyncedSeed: UInt64? = parse(ProcessInfo.processInfo.environment["KEEL_DISK_FAULTS"] ?? "")

    /// The ledger every WAL of this process records into (nil when the mode is off).
    static let ledger: UnsyncedWriteLedger? = lostUnsyncedSeed.map { UnsyncedWriteLedger(seed: $0) }

    /// `lostUnsynced` or `lostUnsynced:SEED` → the seed (0 without one); anything else is off,
    /// with a warning for a value that is not empty.
    static func parse(_ spec: String) -> UInt64? {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts[0] == "lostUnsynced", parts.count == 1 || UInt64(parts[1]) != nil else {
            let message = "keel: ignoring KEEL_DISK_FAULTS=\(spec): expected lostUnsynced or lostUnsynced:SEED\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            return nil
        }
        return parts.count == 2 ? UInt64(parts[1])! : 0
    }

    /// Called when a WAL opens: with the mode on, SIGUSR2 becomes "crash now, losing what
    /// was not synced". Installed once per process.
    static func armTrigger() {
        guard ledger != nil else { return }
        _ = trigger
    }

    private static let trigger: Void = {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        crashTriggerFD = fds[1]
        let readFD = fds[0]
        // The handler only writes a byte (async-signal-safe); this thread does the real work,
        // in an ordinary context where it may take the ledger's lock.
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readFD, &byte, 1)
                if n == 1 { die("SIGUSR2") }
                if n < 0 && errno == EINTR { continue }
                return
            }
        }
        thread.name = "keel-disk-faults"
        thread.start()
        signal(SIGUSR2) { _ in
            var byte: UInt8 = 1
            _ = write(crashTriggerFD, &byte, 1)
        }
    }()

    /// Dies as `kill -9` would, after applying the lost-unsynced loss when the mode is on.
    static func die(_ reason: String) -> Never {
        var message = "keel: \(reason); killing process"
        if let ledger {
            let losses = ledger.loseUnsynced(forever: true)
            message += losses.isEmpty ? " (lostUnsynced: everything was synced)"
                : " (lostUnsynced: " + losses.map(\.description).joined(separator: "; ") + ")"
        }
        message += "\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        kill(getpid(), SIGKILL)
        _exit(137)  // not reached: SIGKILL cannot be caught
    }
}

/// The write end of the SIGUSR2 self-pipe; set once before the handler is installed.
nonisolated(unsafe) private var crashTriggerFD: Int32 = -1
