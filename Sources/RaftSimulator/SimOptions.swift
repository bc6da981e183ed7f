import Raft

/// A deliberately broken behaviour: one of the core's canaries, or the simulator driver's own.
public enum SimCanary: Sendable, Equatable, CustomStringConvertible {
    case core(RaftCanary)
    /// The driver sends vote responses before the vote is durable and syncs it only later, so
    /// a crash in between forgets the vote.
    case votePersistedLate

    public static let driverCanaryName = "votePersistedLate"

    public static var all: [SimCanary] {
        RaftCanary.allCases.map { .core($0) } + [.votePersistedLate]
    }

    public init?(name: String) {
        if name == SimCanary.driverCanaryName {
            self = .votePersistedLate
        } else if let c = RaftCanary(rawValue: name) {
            self = .core(c)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .core(let c): return c.rawValue
        case .votePersistedLate: return SimCanary.driverCanaryName
        }
    }
}

/// Which faults a run enables and how often (swarm testing: each seed draws its own mix, so
/// some seeds hammer one fault while others leave it out entirely).
public struct SimOptions: Sendable, CustomStringConvertible {
    public var nodes = 3
    public var faultTicks = 600
    /// Ticks the healed cluster gets to commit a new proposal.
    public var livenessTicks = 400
    public var electionTicks = 10
    public var heartbeatTicks = 2
    public var preVote = false
    public var checkQuorum = false
    public var maxSizePerMessage: UInt64 = 1 << 20
    public var maxInflight = 256
    public var maxUncommittedBytes: UInt64 = 0
    public var disableForwarding = false

    // Network (probabilities per message; delays in ticks).
    public var minDelay = 1
    public var maxDelay = 3
    public var dropRate = 0.0
    public var duplicateRate = 0.0
    // Partitions (probability per tick of starting one; flapping toggles a cut every few ticks).
    public var partitionRate = 0.0
    public var oneWay = false
    public var flapping = false
    public var partitionTicks = 40
    /// Probability that a leader appending new entries is cut off from everyone before its
    /// messages leave (the Jepsen "partition the leader" nemesis): makes divergent log tails.
    public var isolateLeaderRate = 0.0
    // Nodes (probability per tick per node).
    public var crashRate = 0.0
    public var crashDuringWriteRate = 0.0
    public var tornWrites = false
    public var restartAfterMax = 40
    // Client and operator actions (probability per tick).
    public var proposeRate = 0.3
    public var readRate = 0.05
    public var confChangeRate = 0.0
    public var jointChanges = false
    public var transferRate = 0.0
    public var compactRate = 0.01
    /// Upper bound on node ids ever started (membership changes add new ones).
    public var maxNodeID = 9

    public var canary: SimCanary?
    /// Compare every sent vote and append acknowledgement with the sender's durable disk.
    public var checkDurability = true

    public init() {}

    /// Draws the mix for one seed.
    public static func swarm(seed: UInt64, canary: SimCanary? = nil, nodes: Int? = nil) -> SimOptions {
        var rng = SimRandom(seed: SimRandom.derive(seed, 0x5357_4152_4D))
        var o = SimOptions()
        o.canary = canary
        o.nodes = nodes ?? rng.pick([1, 3, 3, 3, 5, 5, 5, 7])
        o.faultTicks = rng.int(in: 300...700)
        o.heartbeatTicks = rng.int(in: 1...3)
        o.electionTicks = o.heartbeatTicks * rng.int(in: 5...10)
        o.preVote = rng.chance(0.5)
        o.checkQuorum = rng.chance(0.5)
        o.maxSizePerMessage = rng.chance(0.3) ? UInt64(rng.int(in: 1...64)) : 1 << 20
        o.maxInflight = rng.chance(0.3) ? rng.int(in: 1...4) : 256
        o.maxUncommittedBytes = rng.chance(0.2) ? UInt64(rng.int(in: 64...1024)) : 0
        o.disableForwarding = rng.chance(0.2)

        o.minDelay = 1
        o.maxDelay = o.minDelay + rng.int(in: 0...(rng.chance(0.3) ? 12 : 3))
        o.dropRate = rng.chance(0.5) ? rng.real(below: 0.25) : 0
        o.duplicateRate = rng.chance(0.4) ? rng.real(below: 0.15) : 0
        o.partitionRate = rng.chance(0.6) ? rng.real(below: 0.03) : 0
        o.oneWay = rng.chance(0.4)
        o.flapping = rng.chance(0.3)
        o.partitionTicks = rng.int(in: 10...80)
        o.isolateLeaderRate = rng.chance(0.3) ? rng.real(below: 0.1) : 0
        o.crashRate = rng.chance(0.6) ? rng.real(below: 0.01) : 0
        o.crashDuringWriteRate = rng.chance(0.4) ? rng.real(below: 0.01) : 0
        o.tornWrites = rng.chance(0.5)
        o.restartAfterMax = rng.int(in: 1...60)

        o.proposeRate = rng.real(below: 0.8)
        o.readRate = rng.chance(0.7) ? rng.real(below: 0.2) : 0
        o.confChangeRate = rng.chance(0.5) ? rng.real(below: 0.03) : 0
        o.jointChanges = rng.chance(0.5)
        o.transferRate = rng.chance(0.4) ? rng.real(below: 0.02) : 0
        o.compactRate = rng.chance(0.6) ? rng.real(below: 0.05) : 0
        o.maxNodeID = o.nodes + 3
        return o
    }

    /// Tilts the mix towards the faults that expose a canary, so a debug-build test catches it
    /// in a few dozen seeds. The 1,000-seed search of the executable uses the plain swarm.
    public mutating func focus(on canary: SimCanary, rng: inout SimRandom) {
        switch canary {
        case .votePersistedLate:
            // The durability checker flags the first early vote; without it, the canary shows
            // as two leaders in one term only if the voter crashes before the late fsync and
            // then votes again, so crash often and hold many elections.
            nodes = rng.pick([3, 5])
            crashRate = 0.03
            restartAfterMax = 3
            isolateLeaderRate = 0.3
            partitionTicks = 30
            electionTicks = 10
            heartbeatTicks = 1
        case .core(.readIndexWithoutQuorum):
            if nodes == 1 { nodes = 3 }
            readRate = max(readRate, 0.3)
            partitionRate = max(partitionRate, 0.02)
            checkQuorum = false
        case .core(.removedNodeCountsInQuorum):
            // Ghost acknowledgements only matter when a removal is followed by a partition or
            // crash that leaves the remaining voters to elect a leader without the entries the
            // ghost helped commit.
            nodes = rng.pick([3, 5])
            confChangeRate = 0.08
            jointChanges = false
            partitionRate = 0.05
            partitionTicks = 30
            crashRate = 0.01
            dropRate = 0.05
            proposeRate = 0.6
        case .core(.commitEarlierTermByCounting), .core(.keepConflictingSuffix):
            // Figure 8 of the Raft paper: leaders that append an entry and die before sending
            // it (crash during the write), so logs diverge across short-lived leaders.
            nodes = 3
            confChangeRate = 0
            isolateLeaderRate = 0.5
            partitionRate = 0
            partitionTicks = 40
            crashRate = 0
            crashDuringWriteRate = 0
            dropRate = 0
            duplicateRate = 0
            proposeRate = 0.05
            electionTicks = 10
            heartbeatTicks = 1
        case .core:
            break
        }
        maxNodeID = nodes + 3
    }

    public var description: String {
        var parts = ["nodes=\(nodes)", "faultTicks=\(faultTicks)", "election=\(electionTicks)",
                     "heartbeat=\(heartbeatTicks)"]
        if preVote { parts.append("preVote") }
        if checkQuorum { parts.append("checkQuorum") }
        if maxSizePerMessage < 1 << 20 { parts.append("maxMsg=\(maxSizePerMessage)") }
        if maxInflight < 256 { parts.append("inflight=\(maxInflight)") }
        if maxUncommittedBytes > 0 { parts.append("maxUncommitted=\(maxUncommittedBytes)") }
        if disableForwarding { parts.append("noForwarding") }
        parts.append("delay=\(minDelay)..\(maxDelay)")
        func pct(_ x: Double) -> String { String(Int((x * 1000).rounded())) + "‰" }
        if dropRate > 0 { parts.append("drop=\(pct(dropRate))") }
        if duplicateRate > 0 { parts.append("dup=\(pct(duplicateRate))") }
        if partitionRate > 0 {
            parts.append("partition=\(pct(partitionRate))/\(partitionTicks)t" + (oneWay ? ",oneWay" : "")
                + (flapping ? ",flapping" : ""))
        }
        if isolateLeaderRate > 0 { parts.append("isolateLeader=\(pct(isolateLeaderRate))") }
        if crashRate > 0 { parts.append("crash=\(pct(crashRate))") }
        if crashDuringWriteRate > 0 { parts.append("crashInWrite=\(pct(crashDuringWriteRate))") }
        if tornWrites { parts.append("torn") }
        parts.append("propose=\(pct(proposeRate))")
        if readRate > 0 { parts.append("read=\(pct(readRate))") }
        if confChangeRate > 0 { parts.append("confChange=\(pct(confChangeRate))" + (jointChanges ? ",joint" : "")) }
        if transferRate > 0 { parts.append("transfer=\(pct(transferRate))") }
        if compactRate > 0 { parts.append("compact=\(pct(compactRate))") }
        if let c = canary { parts.append("canary=\(c)") }
        if !checkDurability { parts.append("noDurabilityCheck") }
        return parts.joined(separator: " ")
    }
}
