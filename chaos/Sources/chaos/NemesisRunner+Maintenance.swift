import ChaosCheckers
import EtcdClient
import Foundation
import Glibc

/// Maintenance under load: compaction at recent revisions and defragmentation. One-shot actions
/// (nothing to heal); a compact step keeps compacting through its hold so watchers that are
/// resuming at that moment find their next revision compacted.
extension NemesisRunner {
    /// Compactions land this many revisions (seeded, 0...maxCompactionLag) behind the head.
    static let maxCompactionLag: Int64 = 5
    static let compactEveryMilliseconds: UInt32 = 100
    static let maxCompactionsPerStep = 30

    func compactDuringHold(_ step: NemesisStep, via leader: Int) -> (targets: [Int], detail: String) {
        var rng = SeededGenerator(seed: step.pick).derived(0x434F4D)
        let physical = step.pick & 1 == 1
        var notes: [String] = []
        repeat {
            let lag = Int64.random(in: 0...Self.maxCompactionLag, using: &rng)
            notes.append(compactOnce(lag: lag, physical: physical, via: cluster.leader() ?? leader))
            usleep(Self.compactEveryMilliseconds * 1000)
        } while clock.seconds + Double(Self.compactEveryMilliseconds) / 1000 < step.atSeconds + step.holdSeconds
            && notes.count < Self.maxCompactionsPerStep
        return ([leader], (physical ? "physical " : "") + "at " + notes.joined(separator: ", "))
    }

    /// Compacts at the head revision minus `lag`, never past what the archive holds (so the
    /// harness keeps the whole history) nor at or below an earlier compaction. Returns a note.
    private func compactOnce(lag: Int64, physical: Bool, via member: Int) -> String {
        let client = cluster.admin[member]
        let head: Int64
        do { head = try client.status(timeout: .milliseconds(1000)).header.revision } catch { return "none (status: \(error))" }
        let error = archive.extend(through: head - lag, client, seconds: 3)
        let revision = min(head - lag, archive.readThrough)
        guard revision > archive.compactedThrough else { return "none (\(error ?? "nothing new"))" }
        archive.recordCompaction(at: revision)  // before sending: an unanswered compaction may still apply
        do {
            _ = try client.compact(revision: revision, physical: physical, timeout: .milliseconds(5000))
            return "\(revision)"
        } catch {
            return "\(revision)? (\(error))"
        }
    }

    /// Defragments one member (odd pick) or every member in turn (even pick).
    func defragment(_ step: NemesisStep) -> (targets: [Int], detail: String) {
        let targets = step.pick % 2 == 0 ? Array(0..<n) : [Int(step.pick / 2 % UInt64(n))]
        var notes: [String] = []
        for t in targets {
            let started = clock.seconds
            do {
                _ = try cluster.admin[t].defragment(timeout: .milliseconds(10_000))
                notes.append(String(format: "m%d %.2fs", t + 1, clock.seconds - started))
            } catch {
                notes.append("m\(t + 1) failed (\(error))")
            }
        }
        return (targets, notes.joined(separator: ", "))
    }
}
