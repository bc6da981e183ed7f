import ChaosCheckers
import EtcdClient
import Foundation
import Glibc

/// The server's named crash points, as the nemesis arms them: how many hits (drawn in
/// 1...maxHit) before the member dies, so it dies by itself somewhere under load.
struct CrashPointChoice: Sendable {
    var name: String
    var maxHit: Int
    /// Needs a compaction to be reached (the nemesis requests one).
    var compaction = false
    /// Reached only by a follower that must catch up by the leader's snapshot.
    var snapshotInstall = false

    /// Every point the server has except walAfterCut (a 64 MiB segment is not filled in a run).
    static let all: [CrashPointChoice] = [
        .init(name: "walAppendBeforeWrite", maxHit: 25), .init(name: "walAppendAfterWrite", maxHit: 25),
        .init(name: "walSyncBeforeFdatasync", maxHit: 25), .init(name: "walSyncAfterFdatasync", maxHit: 25),
        .init(name: "raftBeforeSave", maxHit: 25), .init(name: "raftAfterSave", maxHit: 25),
        .init(name: "raftBeforeSend", maxHit: 25),
        .init(name: "applyBeforeCommit", maxHit: 4), .init(name: "applyAfterCommit", maxHit: 4),
        .init(name: "snapshotBeforeSave", maxHit: 1), .init(name: "snapshotAfterSave", maxHit: 1),
        .init(name: "snapshotInstallBeforeSwap", maxHit: 1, snapshotInstall: true),
        .init(name: "snapshotInstallAfterSwap", maxHit: 1, snapshotInstall: true),
        .init(name: "compactAfterSchedule", maxHit: 1, compaction: true),
        .init(name: "compactAfterIndex", maxHit: 1, compaction: true),
        .init(name: "compactBeforeFinish", maxHit: 1, compaction: true),
    ]
}

/// Crash faults that the server carries out itself: a member restarted with a crash point armed
/// (`KEEL_CRASH_POINT`), and a crash that loses what the WAL had not fsynced
/// (`KEEL_DISK_FAULTS=lostUnsynced`, then SIGUSR2). Healing restarts the member without them.
extension NemesisRunner {
    static let lostUnsyncedVariable = "KEEL_DISK_FAULTS"

    func applyCrash(_ step: NemesisStep, leader: Int, follower: Int) -> (targets: [Int], detail: String) {
        var rng = SeededGenerator(seed: step.pick).derived(0x435250)
        let target = n == 1 || rng.next() % 2 == 0 ? leader : follower
        switch step.kind {
        case .crashLostUnsynced: return ([target], crashLosingUnsynced(target, rng: &rng))
        default: return ([target], armCrashPoint(target, rng: &rng))
        }
    }

    /// Restarts `target` with one seeded point armed at a seeded hit; it dies by itself (or is
    /// killed at heal if the point was not reached) and comes back without it.
    private func armCrashPoint(_ target: Int, rng: inout SeededGenerator) -> String {
        var choices = CrashPointChoice.all
        if n == 1 { choices.removeAll(where: \.snapshotInstall) }
        let point = choices[Int(rng.next() % UInt64(choices.count))]
        let hit = 1 + Int(rng.next() % UInt64(point.maxHit))
        let spec = "\(point.name):\(hit)"
        let m = cluster.members[target]
        m.signal(SIGKILL)
        killed.insert(target)
        // A follower that stays down while the log moves past a snapshot catches up by one.
        if point.snapshotInstall { usleep(2_500_000) }
        var extra = ["KEEL_CRASH_POINT": spec]
        if cluster.environment[Self.lostUnsyncedVariable] != nil {
            extra[Self.lostUnsyncedVariable] = "lostUnsynced:\(rng.next() % 1_000_000)"
        }
        do { try start(m, extra: extra) } catch { return "\(spec): restart failed: \(error)" }
        crashArmed[target] = spec
        if point.compaction { return spec + "; " + requestCompaction() }
        return spec
    }

    /// Revision 1 is the only compaction the checkers accept (the watchers and the store-history
    /// reader start there), and only the first request at it runs the phases. Retried for a few
    /// seconds: the member just restarted may have been the leader.
    private func requestCompaction() -> String {
        let deadline = Date().addingTimeInterval(4)
        var last = "no member to request a compaction from"
        repeat {
            for (i, m) in cluster.members.enumerated() where m.isRunning && !m.paused {
                do {
                    _ = try cluster.admin[i].compact(revision: 1, physical: true, timeout: .milliseconds(1500))
                    return "compaction at revision 1 requested"
                } catch {
                    last = "compaction at revision 1 refused (\(error))"
                    if "\(error)".contains("compacted") { return last }
                }
            }
            usleep(200_000)
        } while Date() < deadline
        return last
    }

    /// SIGUSR2 to a member running with the lostUnsynced mode: it zeroes what its WAL had not
    /// fsynced (keeping a torn prefix) and SIGKILLs itself. Without the mode in the cluster's
    /// environment, the member is first restarted with it and left under load for a moment.
    private func crashLosingUnsynced(_ target: Int, rng: inout SeededGenerator) -> String {
        let m = cluster.members[target]
        var detail = ""
        if cluster.environment[Self.lostUnsyncedVariable] == nil {
            m.signal(SIGKILL)
            do {
                try start(m, extra: [Self.lostUnsyncedVariable: "lostUnsynced:\(rng.next() % 1_000_000)"])
            } catch {
                killed.insert(target)
                return "restart with lostUnsynced failed: \(error)"
            }
            usleep(UInt32(500_000 + rng.next() % 500_000))
            detail = "restarted with lostUnsynced; "
        }
        // Until its WAL is open the member has no SIGUSR2 handler, and the signal's default
        // action would end it like a plain kill.
        if !waitServing(target, seconds: 5) { detail += "not serving yet; " }
        m.signal(SIGUSR2)
        killed.insert(target)
        let deadline = Date().addingTimeInterval(5)
        while m.isRunning && Date() < deadline { usleep(5_000) }
        if m.isRunning {
            m.signal(SIGKILL)
            return detail + "did not die on SIGUSR2 within 5s; SIGKILL"
        }
        return detail + (Self.lastLine(containing: "lostUnsynced", in: m.logPath).map(Self.shortLoss) ?? "died")
    }

    /// Called first thing at heal: a member still running with its crash point armed gets up to
    /// `graceSeconds` more to reach it (a restarted member spends part of the hold starting and
    /// catching up), then is killed; healAll restarts it without the point.
    func disarmCrashPoints(graceSeconds: Double = 3) {
        let deadline = Date().addingTimeInterval(graceSeconds)
        while crashArmed.keys.contains(where: { cluster.members[$0].isRunning }) && Date() < deadline { usleep(20_000) }
        for (target, spec) in crashArmed.sorted(by: { $0.key < $1.key }) {
            let m = cluster.members[target]
            if m.isRunning {
                m.signal(SIGKILL)
                Output.line("        \(m.name): crash point \(spec) not reached; killed, restarted without it")
            } else {
                let loss = Self.lastLine(containing: "lostUnsynced", in: m.logPath).map { "; " + Self.shortLoss($0) } ?? ""
                Output.line("        \(m.name): died at crash point \(spec)\(loss); restarted without it")
            }
            killed.insert(target)
        }
        crashArmed.removeAll()
    }

    /// Bounded wait until the member answers a status request.
    private func waitServing(_ target: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if cluster.members[target].isRunning, (try? cluster.admin[target].status(timeout: .milliseconds(500))) != nil { return true }
            usleep(50_000)
        }
        return false
    }

    private func start(_ m: MemberProcess, extra: [String: String]) throws {
        try m.start(binary: cluster.binary, initialCluster: cluster.initialCluster, token: cluster.token,
                    environment: try cluster.environment(for: m).merging(extra) { $1 })
    }

    /// The last line of the member's log holding `text` after its last start.
    static func lastLine(containing text: String, in path: String) -> String? {
        guard let log = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lastStart = log.components(separatedBy: "=== chaos: start #").last ?? ""
        return lastStart.split(separator: "\n").last { $0.contains(text) }.map(String.init)
    }

    private static func shortLoss(_ line: String) -> String {
        guard let open = line.range(of: "(lostUnsynced: ") else { return line }
        return "lost: " + line[open.upperBound...].dropLast()
    }
}
