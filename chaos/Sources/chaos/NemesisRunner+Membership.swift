import ChaosCheckers
import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// Leader moves and membership changes under load (etcd's `move-leader` and the functional
/// tester's SIGQUIT_AND_REMOVE_ONE_FOLLOWER, plus a learner variant). Each runs to completion
/// inside its step, on the orchestrating thread, with every wait bounded.
extension NemesisRunner {
    /// The new fault kinds: targets (indices) and a detail line for the report.
    func applyExtended(_ step: NemesisStep, leader: Int, follower: Int) -> ([Int], String) {
        switch step.kind {
        case .moveLeader: return ([follower], moveLeader(from: leader, to: follower))
        case .replaceMember: return ([follower], replaceMember(follower, asLearner: false))
        case .replaceMemberAsLearner: return ([follower], replaceMember(follower, asLearner: true))
        case .killFollowerUntilSnapshot: return ([follower], killUntilSnapshot(follower))
        case .killLeaderUntilSnapshot: return ([leader], killUntilSnapshot(leader))
        case .stress: return ((0..<n).map { $0 }, stress(seconds: step.holdSeconds, pick: step.pick))
        default: preconditionFailure("\(step.kind) is not an extended fault")
        }
    }

    /// Maintenance.MoveLeader sent to the leader, naming the seeded follower.
    private func moveLeader(from leader: Int, to target: Int) -> String {
        guard let targetID = cluster.memberID(of: target) else { return "no member ID for m\(target + 1)" }
        var request = Etcdserverpb_MoveLeaderRequest()
        request.targetID = targetID
        let started = clock.seconds
        do {
            _ = try cluster.admin[leader].call(ChaosCluster.moveLeaderRPC, request, timeout: .milliseconds(5000))
        } catch {
            return "move-leader m\(leader + 1) -> m\(target + 1) refused: \(error)"
        }
        let now = cluster.leader().map { "m\($0 + 1)" } ?? "none"
        return String(format: "move-leader m%d -> m%d took %.2fs; leader now %@", leader + 1, target + 1, clock.seconds - started, now)
    }

    /// SIGQUIT a follower, remove it from the cluster, delete its data, add it back (a new
    /// member ID, same name and peer URL, optionally as a learner), start it with
    /// --initial-cluster-state existing and wait until it caught up (then promote a learner).
    /// A step that fails part way says where; a member still in the cluster is restarted at heal.
    private func replaceMember(_ target: Int, asLearner: Bool) -> String {
        let m = cluster.members[target]
        guard let oldID = cluster.memberID(of: target) else { return "no member ID for \(m.name)" }
        let t0 = clock.seconds
        m.signal(SIGQUIT)
        let quit = clock.seconds - t0
        killed.insert(target)  // until it is removed, heal restarts it with its data
        let removed = cluster.withAnyMember(excluding: target, seconds: 20) { client throws(EtcdError) in
            try Self.removeIfPresent(oldID, client)
        }
        if case .failure(let error) = removed { return "member remove \(hex(oldID)) failed: \(error)" }
        killed.remove(target)
        do { try m.removeData() } catch { return "removing \(m.dataDir) failed: \(error)" }
        let added = cluster.withAnyMember(excluding: target, seconds: 20) { client throws(EtcdError) in
            try Self.addIfAbsent(peerURL: m.advertisedPeerURL, asLearner: asLearner, client)
        }
        guard case .success(let newID) = added else {
            return "member \(hex(oldID)) removed, but member add failed: \(added)"
        }
        let changed = clock.seconds - t0 - quit
        cluster.relearn(index: target, newID: newID)
        m.initialClusterState = "existing"
        do { try cluster.start(m) } catch { return "removed, added as \(hex(newID)), start failed: \(error)" }
        var detail = "removed \(hex(oldID)), added \(hex(newID))\(asLearner ? " as learner" : "")"
            + String(format: " (SIGQUIT exit %.2fs, remove+add %.2fs)", quit, changed)
        let started = clock.seconds
        guard waitCaughtUp(target, seconds: 20) else {
            findings.append("\(m.name) re-added as \(hex(newID)) did not catch up within 20s (\(lastCatchUp))")
            return detail + String(format: "; NOT caught up after %.1fs", clock.seconds - started)
        }
        detail += String(format: "; caught up in %.2fs", clock.seconds - started)
        if asLearner {
            var refusals: [String: Int] = [:]
            let promoted = cluster.withAnyMember(excluding: target, seconds: 15) { client throws(EtcdError) in
                do throws(EtcdError) { try Self.promoteIfLearner(newID, client) } catch {
                    refusals[error.message, default: 0] += 1
                    throw error
                }
            }
            let refused = refusals.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            if case .failure(let error) = promoted {
                findings.append("learner \(hex(newID)) (\(m.name)) caught up but could not be promoted within 15s: \(error) (refusals: \(refused))")
                return detail + "; promote failed: \(error)"
            }
            detail += String(format: "; promoted at %.2fs", clock.seconds) + (refused.isEmpty ? "" : " after refusals: \(refused)")
        }
        return detail
    }

    /// Until the member's applied index reached the highest Raft index the others reported
    /// when the wait began (bounded).
    func waitCaughtUp(_ target: Int, seconds: Double) -> Bool {
        let goal = cluster.highestRaftIndex(excluding: target)
        let deadline = Date().addingTimeInterval(seconds)
        var last = "no answer"
        while Date() < deadline {
            do {
                let s = try cluster.admin[target].status(timeout: .milliseconds(1000))
                if s.raftAppliedIndex >= goal, goal > 0 { return true }
                last = "applied \(s.raftAppliedIndex) of \(goal)"
            } catch {
                last = "status: \(error)"
            }
            guard cluster.members[target].isRunning else { last = "exited"; break }
            usleep(100_000)
        }
        lastCatchUp = last
        return false
    }

    /// Idempotent under retries: a remove whose answer was lost may already have applied.
    private static func removeIfPresent(_ id: UInt64, _ client: EtcdClient) throws(EtcdError) {
        let list = try client.memberList(timeout: .milliseconds(2000))
        guard list.members.contains(where: { $0.id == id }) else { return }
        var request = Etcdserverpb_MemberRemoveRequest()
        request.id = id
        _ = try client.call(EtcdRPCs.memberRemove, request, timeout: .milliseconds(5000))
    }

    /// Idempotent under retries: a member with this peer URL already added is the answer.
    private static func addIfAbsent(peerURL: String, asLearner: Bool, _ client: EtcdClient) throws(EtcdError) -> UInt64 {
        let list = try client.memberList(timeout: .milliseconds(2000))
        if let existing = list.members.first(where: { $0.peerUrls.contains(peerURL) }) { return existing.id }
        var request = Etcdserverpb_MemberAddRequest()
        request.peerUrls = [peerURL]
        request.isLearner = asLearner
        return try client.call(EtcdRPCs.memberAdd, request, timeout: .milliseconds(5000)).member.id
    }

    /// Promotes `id` unless it is a voter already; a learner not yet in sync is refused (retried).
    private static func promoteIfLearner(_ id: UInt64, _ client: EtcdClient) throws(EtcdError) {
        let list = try client.memberList(timeout: .milliseconds(2000))
        guard list.members.contains(where: { $0.id == id && $0.isLearner }) else { return }
        var request = Etcdserverpb_MemberPromoteRequest()
        request.id = id
        _ = try client.call(EtcdRPCs.memberPromote, request, timeout: .milliseconds(5000))
    }
}

func hex(_ id: UInt64) -> String { String(id, radix: 16) }

extension NemesisRunner {
    /// What the membership, snapshot and stress steps saw go wrong (a member that never
    /// caught up, a restart that did not need the snapshot it was kept down for).
    var findingsVerdict: Verdict {
        findings.isEmpty
            ? Verdict(check: "nemesis-steps", passed: true, detail: "every step completed as intended")
            : Verdict(check: "nemesis-steps", passed: false, detail: "\(findings.count) step(s) found the cluster misbehaving", evidence: findings)
    }
}
