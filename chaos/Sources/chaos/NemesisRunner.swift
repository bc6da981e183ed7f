import ChaosCheckers
import Foundation
import Glibc

/// A fault as it happened: when, what, on whom.
struct FaultEvent: Codable, Sendable {
    var atSeconds: Double
    var healedSeconds: Double?
    var kind: FaultKind
    var targets: [String]
    var detail: String
}

/// Runs a schedule against a cluster on the orchestrating thread: apply, hold, heal.
final class NemesisRunner {
    let cluster: ChaosCluster
    let clock: MonotonicClock
    private(set) var events: [FaultEvent] = []
    /// Members to restart at heal (extensions in other files add to it).
    var killed: Set<Int> = []
    private var paused: Set<Int> = []
    /// The store's history, read before each compaction removes part of it.
    let archive: HistoryArchive
    /// Clock faults so far (NemesisRunner+Clock.swift), for the lease checker's allowance.
    var clockWindows: [ClockAllowance.Window] = []
    /// Members started with a crash point armed: index → the point (NemesisRunner+CrashPoints).
    var crashArmed: [Int: String] = [:]
    /// The workload's key prefix (stress clients write under it, so watchers see their events).
    var keyPrefix = "chaos"
    /// Operations of the stress clients, checked with the workload's.
    var stressHistory: [RegisterOperation] = []
    var stressSteps = 0
    /// What a step found wrong with the cluster (a re-added member that never caught up...).
    var findings: [String] = []
    /// Why the last catch-up wait gave up (for the finding).
    var lastCatchUp = ""

    init(cluster: ChaosCluster, clock: MonotonicClock, archive: HistoryArchive) {
        self.cluster = cluster
        self.clock = clock
        self.archive = archive
    }

    func run(_ steps: [NemesisStep], log: (String) -> Void) {
        for step in steps {
            // A step that ran long (a membership change) may eat the next one's window.
            if clock.seconds > step.atSeconds + step.holdSeconds {
                log(String(format: "%6.2fs skipped %@ (its window ended at %.2fs)", clock.seconds, step.kind.rawValue, step.atSeconds + step.holdSeconds))
                continue
            }
            sleep(until: step.atSeconds)
            var event = apply(step)
            log(String(format: "%6.2fs fault %@ %@ %@", event.atSeconds, step.kind.rawValue, event.targets.joined(separator: ","), event.detail))
            sleep(until: step.atSeconds + step.holdSeconds)
            healAll()
            event.healedSeconds = clock.seconds
            events.append(event)
        }
    }

    private func sleep(until seconds: Double) {
        let remaining = seconds - clock.seconds
        if remaining > 0 { usleep(UInt32(remaining * 1_000_000)) }
    }

    var n: Int { cluster.members.count }

    /// Candidates other than the leader, ordered; `pick` chooses deterministically among them.
    func others(than leader: Int) -> [Int] { (0..<n).filter { $0 != leader } }

    private func apply(_ step: NemesisStep) -> FaultEvent {
        let at = clock.seconds
        let leader = cluster.leader() ?? Int(step.pick % UInt64(n))
        let follower = n > 1 ? others(than: leader)[Int(step.pick % UInt64(n - 1))] : leader
        var targets: [Int] = []
        var detail = ""
        switch step.kind {
        case .killLeader: targets = [leader]; signal(targets, SIGKILL)
        case .killFollower: targets = [follower]; signal(targets, SIGKILL)
        case .killQuorum: targets = quorum(leader: leader, pick: step.pick); signal(targets, SIGKILL)
        case .termLeader: targets = [leader]; signal(targets, SIGTERM)
        case .termFollower: targets = [follower]; signal(targets, SIGTERM)
        case .killAll: targets = Array(0..<n); signal(targets, SIGKILL)
        case .termQuorum: targets = quorum(leader: leader, pick: step.pick); signal(targets, SIGTERM)
        case .termAll: targets = Array(0..<n); signal(targets, SIGTERM)
        case .blackholeQuorum, .blackholeAll, .delayLeader, .delayFollower, .delayQuorum:
            targets = step.kind == .blackholeAll ? Array(0..<n)
                : step.kind == .delayLeader ? [leader]
                : step.kind == .delayFollower ? [follower]
                : quorum(leader: leader, pick: step.pick)
            detail = faultPeerPorts(of: targets, step)
        case .flapLeader, .flapFollower:
            targets = [step.kind == .flapLeader ? leader : follower]
            detail = flapDuringHold(targets[0], step)
        case .pauseLeader: targets = [leader]; signal(targets, SIGSTOP)
        case .pauseFollower: targets = [follower]; signal(targets, SIGSTOP)
        case .isolateLeader, .isolateFollower:
            let t = step.kind == .isolateLeader ? leader : follower
            targets = [t]
            partition([t], others(than: t), bothWays: true)
            detail = "both ways"
        case .majorityMinority:
            let minority = minorityWith(leader, pick: step.pick)
            targets = minority
            partition(minority, (0..<n).filter { !minority.contains($0) }, bothWays: true)
            detail = "minority holds the leader"
        case .oneWayFromLeader:
            targets = [leader]
            partition([leader], others(than: leader), bothWays: false)
            detail = "leader's messages lost, it still hears the others"
        case .oneWayToLeader:
            targets = [leader]
            partition(others(than: leader), [leader], bothWays: false)
            detail = "messages to the leader lost"
        case .delay:
            let fault = LinkFault(delayMilliseconds: 75, jitterMilliseconds: 50)
            allLinks(fault)
            targets = (0..<n).map { $0 }
            detail = fault.description
        case .drop:
            let fault = LinkFault(dropRate: 0.5)
            allLinks(fault)
            targets = (0..<n).map { $0 }
            detail = fault.description
        case .resetLinks:
            let links = allLinkList()
            cluster.withProxy { proxy in for l in links { proxy.reset(l) } }
            targets = (0..<n).map { $0 }
            detail = "every peer connection reset"
        case .compact: (targets, detail) = compactDuringHold(step, via: leader)
        case .defrag: (targets, detail) = defragment(step)
        case .clockSkewLeader, .clockSkewFollower:
            targets = [step.kind == .clockSkewLeader ? leader : follower]
            detail = skewClock(targets[0], pick: step.pick)
        case .crashPoint, .crashLostUnsynced: (targets, detail) = applyCrash(step, leader: leader, follower: follower)
        case .moveLeader, .replaceMember, .replaceMemberAsLearner, .killFollowerUntilSnapshot, .killLeaderUntilSnapshot, .stress:
            (targets, detail) = applyExtended(step, leader: leader, follower: follower)
        }
        return FaultEvent(atSeconds: at, kind: step.kind, targets: targets.map { "m\($0 + 1)" }, detail: detail)
    }

    /// A majority including the leader.
    private func quorum(leader: Int, pick: UInt64) -> [Int] {
        let size = n / 2 + 1
        var rest = others(than: leader)
        rest.rotate(by: Int(pick % UInt64(max(rest.count, 1))))
        return [leader] + rest.prefix(size - 1)
    }

    /// A minority including the leader (just the leader with three members).
    private func minorityWith(_ leader: Int, pick: UInt64) -> [Int] {
        let size = max(1, (n - 1) / 2)
        var rest = others(than: leader)
        rest.rotate(by: Int(pick % UInt64(max(rest.count, 1))))
        return [leader] + rest.prefix(size - 1)
    }

    func signal(_ targets: [Int], _ sig: Int32) {
        for t in targets {
            cluster.members[t].signal(sig)
            if sig == SIGSTOP { paused.insert(t) } else { killed.insert(t) }
        }
    }

    private func partition(_ a: [Int], _ b: [Int], bothWays: Bool) {
        var links: [Link] = []
        for x in a { for y in b { links.append(Link(from: x, to: y)); if bothWays { links.append(Link(from: y, to: x)) } } }
        cluster.withProxy { proxy in for l in links { proxy.set(l, LinkFault(blackhole: true)) } }
    }

    private func allLinkList() -> [Link] {
        (0..<n).flatMap { a in (0..<n).filter { $0 != a }.map { Link(from: a, to: $0) } }
    }

    private func allLinks(_ fault: LinkFault) {
        let links = allLinkList()
        cluster.withProxy { proxy in for l in links { proxy.set(l, fault) } }
    }

    /// Undoes everything: links healed, paused members continued, stopped members restarted.
    func healAll() {
        disarmCrashPoints()
        cluster.withProxy { $0.healAll() }
        healClocks()
        for t in paused.sorted() { cluster.members[t].signal(SIGCONT) }
        paused.removeAll()
        for t in killed.sorted() where !cluster.members[t].isRunning {
            do { try cluster.start(cluster.members[t]) } catch {
                FileHandle.standardError.write(Data("chaos: restarting m\(t + 1) failed: \(error)\n".utf8))
            }
        }
        killed.removeAll()
    }
}

extension Array {
    mutating func rotate(by k: Int) {
        guard !isEmpty else { return }
        let s = ((k % count) + count) % count
        self = Array(self[s...] + self[..<s])
    }
}
