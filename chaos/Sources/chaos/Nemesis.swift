import ChaosCheckers

/// The faults the nemesis knows. Targets ("leader", "follower") are resolved when the step
/// runs, from the members' own status; everything else comes from the seed.
enum FaultKind: String, CaseIterable, Sendable, Codable {
    case killLeader, killFollower, killQuorum
    case termLeader, termFollower
    /// The rest of etcd's functional-tester cases (NemesisRunner+Functional.swift): every member
    /// or a quorum killed or terminated; a quorum's or every peer port blackholed; the peer
    /// links of the leader, a follower or a quorum delayed by a seeded random amount.
    case killAll, termQuorum, termAll
    case blackholeQuorum, blackholeAll
    case delayLeader, delayFollower, delayQuorum
    /// The leader's or a follower's links cut and healed again and again through the hold
    /// (seeded 150-500 ms each way): a flapping partition.
    case flapLeader, flapFollower
    case pauseLeader, pauseFollower
    case isolateLeader, isolateFollower
    case majorityMinority
    case oneWayFromLeader, oneWayToLeader
    case delay, drop, resetLinks
    /// One-shot maintenance under load (NemesisRunner+Maintenance): compactions at recent
    /// revisions during the hold, defragmentation of one or every member.
    case compact, defrag
    case clockSkewLeader, clockSkewFollower
    /// The server crashes itself (NemesisRunner+CrashPoints.swift): at an armed crash point, or
    /// on SIGUSR2 losing what its WAL had not fsynced.
    case crashPoint, crashLostUnsynced
    // Membership and load (NemesisRunner+Membership.swift, NemesisRunner+Snapshot.swift, NemesisRunner+Stress.swift).
    case moveLeader, replaceMember, replaceMemberAsLearner
    case killFollowerUntilSnapshot, killLeaderUntilSnapshot
    case stress

    /// Steps that run to completion inside their window (a member removed and added back and
    /// caught up; a member down until the log passed a snapshot) get a window that fits them.
    var minimumHoldSeconds: Double {
        switch self {
        case .replaceMember, .replaceMemberAsLearner: 5
        case .killFollowerUntilSnapshot, .killLeaderUntilSnapshot: 7
        default: 0
        }
    }

    /// Faults on peer links make no sense with one member.
    var needsPeers: Bool {
        switch self {
        case .killLeader, .killFollower, .termLeader, .termFollower, .pauseLeader, .pauseFollower, .killQuorum, .stress: false
        case .killAll, .termQuorum, .termAll: false
        case .compact, .defrag: false
        case .crashPoint, .crashLostUnsynced: false
        default: true
        }
    }
}

/// One step of the schedule: at `atSeconds` apply `kind`, hold it `holdSeconds`, then heal.
struct NemesisStep: Sendable, Codable, Equatable {
    var atSeconds: Double
    var kind: FaultKind
    var holdSeconds: Double
    /// Seeded draw used to pick among equal candidates (which follower, which links).
    var pick: UInt64
}

enum NemesisSchedule {
    /// Bounded: at most `maxSteps`, all inside [warmup, seconds - 1].
    static func make(_ scenario: Scenario, seed: UInt64, maxSteps: Int = 24) -> [NemesisStep] {
        var rng = SeededGenerator(seed: seed).derived(0x4E454D)
        let kinds = scenario.faults.filter { scenario.members > 1 || !$0.needsPeers }
        guard !kinds.isEmpty else { return [] }
        var steps: [NemesisStep] = []
        var t = 1.5
        while steps.count < maxSteps {
            let hold = Double.random(in: 1.0...3.0, using: &rng)
            guard t + hold <= scenario.seconds - 1 else { break }
            let kind = kinds[Int.random(in: 0..<kinds.count, using: &rng)]
            let held = max(hold, kind.minimumHoldSeconds)
            guard t + held <= scenario.seconds - 1 else { break }
            steps.append(NemesisStep(atSeconds: t, kind: kind, holdSeconds: held, pick: rng.next()))
            t += held + Double.random(in: 0.8...2.0, using: &rng)
        }
        return steps
    }
}
