import Glibc
import Foundation

/// Named places in the durability path where a test can make the process die exactly as
/// `kill -9` would: no flush, no atexit handlers, no unwinding (and, with
/// `KEEL_DISK_FAULTS=lostUnsynced`, without what the WAL had not fsynced: `DiskFaults`).
///
/// Set `KEEL_CRASH_POINT=walBeforeSync` to die on the first hit of that point, or
/// `KEEL_CRASH_POINT=walBeforeSync:3` to die on the third hit. Several points may be given,
/// separated by commas. Without the variable, `hit` costs one dictionary lookup.
public enum CrashPoints {
    /// Points inside the WAL itself. The member names its own points around these (for
    /// example "walBeforeSync" before it hands a sync to the threadpool), so the names differ
    /// and an `:N` count means the same thing wherever the point is hit.
    public static let walAppendBeforeWrite = "walAppendBeforeWrite"
    public static let walAppendAfterWrite = "walAppendAfterWrite"
    public static let walSyncBeforeFdatasync = "walSyncBeforeFdatasync"
    public static let walSyncAfterFdatasync = "walSyncAfterFdatasync"
    public static let walAfterCut = "walAfterCut"

    /// True when any point is armed (callers that would build a closure per hit check this once).
    public static var anyArmed: Bool { !armed.isEmpty }

    /// The armed points: name → the hit number that kills (1 = first hit).
    static let armed: [String: Int] = parse(ProcessInfo.processInfo.environment["KEEL_CRASH_POINT"] ?? "")

    private static let hits = CrashPointCounter()

    /// Parses `name[:N][,name[:N]...]`; malformed counts arm the point on its first hit.
    static func parse(_ spec: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for item in spec.split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            let nth = parts.count == 2 ? Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 1 : 1
            result[name] = max(1, nth)
        }
        return result
    }

    /// Kills the process with SIGKILL if `name` is armed and this is its fatal hit.
    public static func hit(_ name: String) {
        guard let fatalHit = armed[name] else { return }
        if hits.increment(name) == fatalHit { DiskFaults.die("crash point \(name) hit") }
    }
}

/// Hit counts per point, shared by every thread that passes a crash point.
private final class CrashPointCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func increment(_ name: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        counts[name, default: 0] += 1
        return counts[name]!
    }
}
