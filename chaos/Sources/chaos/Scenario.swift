/// A named chaos configuration: cluster size, fault kinds the nemesis draws from, and bounds.
struct Scenario: Sendable {
    var name: String
    var members: Int
    var faults: [FaultKind]
    /// How long the workload and nemesis run (seconds).
    var seconds: Double
    var keys: Int
    var clientsPerKey: Int
    var summary: String
    /// Flags every member starts with (e.g. a small --snapshot-count).
    var memberFlags: [String] = []

    static let all: [Scenario] = [
        .init(name: "smoke-kill", members: 3, faults: [.killLeader, .killFollower], seconds: 12, keys: 2, clientsPerKey: 5,
              summary: "short: SIGKILL leader or follower, restart"),
        .init(name: "smoke-partition", members: 3, faults: [.isolateLeader, .oneWayFromLeader, .delay], seconds: 12, keys: 2, clientsPerKey: 5,
              summary: "short: isolate leader, one-way partition, delay"),
        .init(name: "smoke-single", members: 1, faults: [.killLeader, .pauseLeader], seconds: 8, keys: 2, clientsPerKey: 5,
              summary: "short: one member, SIGKILL and SIGSTOP"),
        .init(name: "kill-3", members: 3, faults: [.killLeader, .killFollower, .killQuorum], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "SIGKILL leader, follower, quorum; restart"),
        .init(name: "term-3", members: 3, faults: [.termLeader, .termFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "SIGTERM leader or follower; restart"),
        .init(name: "pause-3", members: 3, faults: [.pauseLeader, .pauseFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "SIGSTOP/SIGCONT leader or follower"),
        .init(name: "partition-3", members: 3, faults: [.isolateLeader, .isolateFollower, .oneWayFromLeader, .oneWayToLeader],
              seconds: 30, keys: 3, clientsPerKey: 6, summary: "isolate one, one-way partitions"),
        .init(name: "partition-5", members: 5, faults: [.majorityMinority, .isolateLeader, .oneWayFromLeader], seconds: 30, keys: 3,
              clientsPerKey: 6, summary: "majority/minority split with the leader in the minority, isolation"),
        .init(name: "net-3", members: 3, faults: [.delay, .drop, .resetLinks], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "delay 75±50ms, drop 50% (connection resets), link resets"),
        .init(name: "kill-5", members: 5, faults: [.killLeader, .killQuorum, .termFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "five members: SIGKILL leader, quorum; SIGTERM follower"),
        .init(name: "mixed-5", members: 5, faults: FaultKind.allCases, seconds: 40, keys: 4, clientsPerKey: 6,
              summary: "every fault kind", memberFlags: ["--snapshot-count", "300", "--experimental-snapshot-catchup-entries", "100"]),
        .init(name: "single-1", members: 1, faults: [.killLeader, .termLeader, .pauseLeader], seconds: 20, keys: 3, clientsPerKey: 6,
              summary: "one member: kill, term, pause"),
        .init(name: "membership-3", members: 3, faults: [.replaceMember, .replaceMemberAsLearner, .moveLeader, .killLeader, .killFollower],
              seconds: 40, keys: 3, clientsPerKey: 6, summary: "remove a follower and add it back (also as a learner, promoted), move leader, SIGKILL"),
        .init(name: "snapshot-3", members: 3, faults: [.killFollowerUntilSnapshot, .killLeaderUntilSnapshot], seconds: 40, keys: 3,
              clientsPerKey: 6, summary: "SIGKILL follower or leader until the log passed a snapshot; catch up by snapshot",
              memberFlags: ["--snapshot-count", "300", "--experimental-snapshot-catchup-entries", "100"]),
        .init(name: "stress-3", members: 3, faults: [.stress], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "no fault: 16 more clients for each step's duration"),
    ]

    static let matrix = all.filter { !$0.name.hasPrefix("smoke-") }

    static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }
}
