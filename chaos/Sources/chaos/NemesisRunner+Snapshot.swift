import Foundation
import Glibc

/// etcd's SIGKILL_*_UNTIL_TRIGGER_SNAPSHOT: a member stays down until the cluster's log moved
/// past the snapshot count (and the entries kept for slow followers), so the leader no longer
/// has the entries it missed; restarted, it must catch up by the leader's snapshot.
extension NemesisRunner {
    /// How far the log must advance: --snapshot-count plus the catch-up entries kept behind a
    /// snapshot, from the members' flags (etcd's defaults otherwise), and a margin.
    var entriesUntilSnapshot: UInt64 {
        let flags = cluster.members.first?.extraArguments ?? []
        func value(_ name: String, _ fallback: UInt64) -> UInt64 {
            guard let i = flags.firstIndex(of: name), i + 1 < flags.count else { return fallback }
            return UInt64(flags[i + 1]) ?? fallback
        }
        return value("--snapshot-count", 100_000) + value("--experimental-snapshot-catchup-entries", 5000) + 50
    }

    /// More entries than a run writes in its window: the step is a plain kill (restarted at heal).
    static let unreachableEntries: UInt64 = 20_000

    func killUntilSnapshot(_ target: Int) -> String {
        let m = cluster.members[target]
        guard entriesUntilSnapshot <= Self.unreachableEntries else {
            m.signal(SIGKILL)
            killed.insert(target)
            return "plain kill: a snapshot needs \(entriesUntilSnapshot) entries here (run the scenario with a small --snapshot-count)"
        }
        let before = cluster.highestRaftIndex()
        m.signal(SIGKILL)
        killed.insert(target)
        let goal = before + entriesUntilSnapshot
        let started = clock.seconds
        var reached = before
        while clock.seconds - started < 20 && reached < goal {
            usleep(200_000)
            reached = cluster.highestRaftIndex(excluding: target)
        }
        var detail = "down from index \(before) until \(reached) (goal \(goal))"
        guard reached >= goal else {
            findings.append("\(m.name): the log did not advance \(entriesUntilSnapshot) entries within 20s while it was down")
            return detail
        }
        do { try cluster.start(m) } catch {
            findings.append("\(m.name): restart failed: \(error)")
            return detail + "; restart failed"
        }
        killed.remove(target)
        let restarted = clock.seconds
        guard waitCaughtUp(target, seconds: 20) else {
            findings.append("\(m.name): restarted after the log moved past a snapshot, not caught up within 20s (\(lastCatchUp))")
            return detail + "; NOT caught up"
        }
        let bySnapshot = Self.count("applied snapshot from the leader", inLastStartOf: m.logPath) > 0
        detail += String(format: "; restarted, caught up in %.2fs %@", clock.seconds - restarted, bySnapshot ? "by snapshot" : "without a snapshot")
        if !bySnapshot { findings.append("\(m.name): caught up without applying the leader's snapshot (\(detail))") }
        return detail
    }

    /// Occurrences of `text` in the member log after the last harness start marker.
    static func count(_ text: String, inLastStartOf path: String) -> Int {
        guard let log = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        let lastStart = log.components(separatedBy: "=== chaos: start #").last ?? ""
        return lastStart.components(separatedBy: text).count - 1
    }
}
