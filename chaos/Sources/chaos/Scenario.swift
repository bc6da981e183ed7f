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
    /// Clients of the whole-store txn workload (0: none).
    var txnClients = 0
    /// Locks of the lock workload (each with LockRun.clientsPerLock clients); 0: none.
    var locks = 0
    /// Flags every member starts with (e.g. a small --snapshot-count).
    var memberFlags: [String] = []
    /// Environment every member starts with (e.g. a test-only disk fault mode).
    var memberEnvironment: [String: String] = [:]

    static let all: [Scenario] = [
        .init(name: "smoke-kill", members: 3, faults: [.killLeader, .killFollower], seconds: 12, keys: 2, clientsPerKey: 5,
              summary: "short: SIGKILL leader or follower, restart"),
        .init(name: "smoke-partition", members: 3, faults: [.isolateLeader, .oneWayFromLeader, .delay], seconds: 12, keys: 2, clientsPerKey: 5,
              summary: "short: isolate leader, one-way partition, delay"),
        .init(name: "smoke-single", members: 1, faults: [.killLeader, .pauseLeader], seconds: 8, keys: 2, clientsPerKey: 5,
              summary: "short: one member, SIGKILL and SIGSTOP"),
        .init(name: "kill-3", members: 3, faults: [.killLeader, .killFollower, .killQuorum, .killAll], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "SIGKILL leader, follower, quorum, all; restart", txnClients: 4),
        .init(name: "term-3", members: 3, faults: [.termLeader, .termFollower, .termQuorum, .termAll], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "SIGTERM leader, follower, quorum, all; restart"),
        .init(name: "pause-3", members: 3, faults: [.pauseLeader, .pauseFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "SIGSTOP/SIGCONT leader or follower"),
        .init(name: "partition-3", members: 3, faults: [.isolateLeader, .isolateFollower, .oneWayFromLeader, .oneWayToLeader, .flapLeader, .flapFollower],
              seconds: 30, keys: 3, clientsPerKey: 6, summary: "isolate one, one-way and flapping partitions", txnClients: 4),
        .init(name: "txn-3", members: 3, faults: [.killLeader, .isolateLeader, .pauseFollower, .oneWayFromLeader], seconds: 30,
              keys: 2, clientsPerKey: 4, summary: "multi-key txns (strict serializability) under kill, isolation, pause", txnClients: 6),
        .init(name: "partition-5", members: 5, faults: [.majorityMinority, .isolateLeader, .oneWayFromLeader], seconds: 30, keys: 3,
              clientsPerKey: 6, summary: "majority/minority split with the leader in the minority, isolation"),
        .init(name: "net-3", members: 3, faults: [.delay, .drop, .resetLinks, .delayLeader, .delayFollower, .delayQuorum, .blackholeQuorum, .blackholeAll], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "delay 75±50ms, drop 50% (connection resets), link resets; peer ports of leader/follower/quorum delayed 50-400ms, of a quorum/all blackholed"),
        .init(name: "kill-5", members: 5, faults: [.killLeader, .killQuorum, .termFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "five members: SIGKILL leader, quorum; SIGTERM follower"),
        .init(name: "mixed-5", members: 5, faults: FaultKind.allCases, seconds: 40, keys: 4, clientsPerKey: 6,
              summary: "every fault kind", memberFlags: ["--snapshot-count", "300", "--experimental-snapshot-catchup-entries", "100"]),
        .init(name: "compact-3", members: 3, faults: [.compact, .defrag, .killFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "compaction at recent revisions, defrag, SIGKILL follower; watchers resume across compaction"),
        .init(name: "single-1", members: 1, faults: [.killLeader, .termLeader, .pauseLeader], seconds: 20, keys: 3, clientsPerKey: 6,
              summary: "one member: kill, term, pause"),
        .init(name: "lock-3", members: 3, faults: [.killLeader, .pauseLeader, .isolateLeader, .pauseFollower], seconds: 30, keys: 2,
              clientsPerKey: 4, summary: "v3lock with fencing by revision, sessions ending while waiting; kill, pause, isolate the leader",
              locks: 2),
        .init(name: "skew-3", members: 3, faults: [.clockSkewLeader, .clockSkewFollower], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "clock of leader or follower fast (1.5-4x), slow (0.05-0.5x) or jumped 2-6s; leases checked with the skew allowed"),
        .init(name: "crashpoints-3", members: 3, faults: [.crashPoint, .compact], seconds: 40, keys: 3, clientsPerKey: 6,
              summary: "a member restarted with a seeded crash point armed dies by itself under load",
              memberFlags: ["--snapshot-count", "100", "--experimental-snapshot-catchup-entries", "50"]),
        .init(name: "lostunsynced-3", members: 3, faults: [.crashLostUnsynced, .crashPoint], seconds: 30, keys: 3, clientsPerKey: 6,
              summary: "crashes that lose what the WAL had not fsynced (torn tail), at SIGUSR2 or a crash point",
              memberFlags: ["--snapshot-count", "100", "--experimental-snapshot-catchup-entries", "50"],
              memberEnvironment: ["KEEL_DISK_FAULTS": "lostUnsynced"]),
        .init(name: "lostunsynced-1", members: 1, faults: [.crashLostUnsynced, .pauseLeader], seconds: 8, keys: 2, clientsPerKey: 5,
              summary: "smoke-single with SIGKILL replaced by a crash losing unsynced WAL writes",
              memberEnvironment: ["KEEL_DISK_FAULTS": "lostUnsynced"]),
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
