import Raft

/// What one seed did.
public struct SimResult: Sendable {
    public var seed: UInt64
    public var options: SimOptions
    public var violation: SimViolation?
    public var traceHash: UInt64
    public var events: Int
    public var ticks: Int
    public var trace: [String]
    public var elections: Int
    public var commits: UInt64
    public var readsServed: Int
    public var crashes: Int
    public var livenessTicks: Int?

    public var passed: Bool { violation == nil }
    /// A safety checker fired (not a liveness timeout): what catching a canary means, since a
    /// liveness failure under a broken build could have other causes.
    public var safetyViolated: Bool { violation.map { $0.kind != .liveness } ?? false }
    public var traceHashHex: String {
        let hex = String(traceHash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// One deterministic run: a cluster of production `RawNode`s on a simulated disk and network,
/// first under faults (safety), then healed (liveness). Every choice comes from `rng`.
public final class Simulation {
    public let seed: UInt64
    public let options: SimOptions
    var rng: SimRandom
    /// Indexed by node id; nil for ids never started.
    var nodes: [SimNode?]
    var network: SimNetwork
    var checker: SimChecker
    var trace: SimTrace
    var now = 0
    var faultsOn = true
    var nextProposal: UInt64 = 0
    var nextRead: UInt64 = 0
    var partition: Partition?
    var crashes = 0
    var livenessDone = false
    /// Ids that some node's applied configuration has included: a node outside the final
    /// configuration that is in here was removed; one that is not is a joiner still pending.
    var everMember: Set<UInt64> = []
    /// The configuration at the highest log index any server applied a conf change at.
    var latestConf: ConfState = ConfState()
    var latestConfIndex: UInt64 = 0
    /// Ticks the liveness phase may take: the option, plus time to drain the backlog of
    /// entries left uncommitted by the faults (small messages and windows make that slow).
    var livenessBound = 0
    /// Message delay bound in force; lowered when the network is healed, because Raft can only
    /// promise progress while messages are much faster than an election timeout.
    var maxDelay: Int
    /// Transport feedback owed to senders (snapshot done/failed, peer unreachable), given to the
    /// sender after the current Ready is finished, as etcd's transport does asynchronously.
    var feedback: [(message: Message, delivered: Bool)] = []

    struct Partition {
        var sideA: [NodeID]
        var sideB: [NodeID]
        var oneWay: Bool
        var until: Int
        var flapping: Bool
        var nextFlip: Int
        var isCut: Bool
    }

    /// Proposal payload tag: which phase proposed it.
    static let faultPhaseTag: UInt8 = 1
    static let livenessPhaseTag: UInt8 = 2

    public init(seed: UInt64, options: SimOptions, keepTrace: Bool = false) {
        self.seed = seed
        self.options = options
        rng = SimRandom(seed: seed)
        trace = SimTrace(keepLines: keepTrace)
        network = SimNetwork(capacity: 4096)
        checker = SimChecker(checkDurability: options.checkDurability)
        maxDelay = options.maxDelay
        nodes = Array(repeating: nil, count: options.maxNodeID + 1)
    }

    // MARK: running

    public func run() -> SimResult {
        var violation: SimViolation?
        var livenessTicks: Int?
        do {
            trace.record(0, .options, seed, 0, 0, 0, "seed \(seed) \(options)")
            try bootstrap()
            trace.record(now, .phase, 1, 0, 0, 0, "phase faults")
            for _ in 0..<options.faultTicks { try step() }
            try heal()
            let healedAt = now
            trace.record(now, .phase, 2, 0, 0, 0, "phase liveness")
            while !livenessDone && now - healedAt < livenessBound { try step() }
            if !livenessDone {
                throw SimViolation(kind: .liveness,
                                   detail: "healed cluster committed no new proposal in \(livenessBound) ticks")
            }
            livenessTicks = now - healedAt
        } catch let v as SimViolation {
            violation = v
            trace.record(now, .violation, 0, 0, 0, 0, "VIOLATION \(v)")
        } catch {
            violation = SimViolation(kind: .coreError, detail: "\(error)")
            trace.record(now, .violation, 0, 0, 0, 0, "VIOLATION core error \(error)")
        }
        return SimResult(
            seed: seed, options: options, violation: violation, traceHash: trace.hash, events: trace.count,
            ticks: now, trace: trace.lines, elections: checker.elections, commits: checker.maxCommit,
            readsServed: checker.readsServed, crashes: crashes, livenessTicks: livenessTicks)
    }

    func bootstrap() throws {
        let ids = (1...options.nodes).map { NodeID(rawValue: UInt64($0)) }
        let initial = ConfState(voters: ids, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false)
        for id in ids {
            let n = SimNode(id: id, bootstrap: initial)
            everMember.insert(id.rawValue)
            latestConf = initial
            nodes[Int(id.rawValue)] = n
            n.raw = try makeRaw(n)
            trace.record(now, .start, id.rawValue, 0, 0, 0, "start \(id) voters \(ids)")
        }
        // One node campaigns at once so short runs still see a leader early.
        if let first = nodes[1]?.raw {
            try first.campaign()
            try drive(nodes[1]!)
        }
    }

    func makeRaw(_ n: SimNode) throws -> RawNode {
        var c = RaftConfig(id: n.id)
        c.electionTicks = options.electionTicks
        c.heartbeatTicks = options.heartbeatTicks
        c.applied = LogIndex(rawValue: n.sm.applied)
        c.maxSizePerMessage = options.maxSizePerMessage
        c.maxInflightMessages = options.maxInflight
        c.maxUncommittedEntriesBytes = options.maxUncommittedBytes
        c.checkQuorum = options.checkQuorum
        c.preVote = options.preVote
        c.readOnlyOption = .safe
        c.disableProposalForwarding = options.disableForwarding
        c.randomSeed = SimRandom.derive(seed, n.id.rawValue << 20 | UInt64(n.incarnation))
        if case .core(let canary) = options.canary { c.canary = canary }
        return try RawNode(config: c, storage: n.storage)
    }

    /// Started nodes in id order (never dictionary order: it would change between runs).
    var started: [SimNode] { nodes.compactMap { $0 } }
    var upNodes: [SimNode] { started.filter { $0.isUp } }

    func node(_ id: NodeID) -> SimNode? {
        let i = Int(id.rawValue)
        return i < nodes.count ? nodes[i] : nil
    }

    /// The live node that leads the highest term, if any.
    func currentLeader() -> SimNode? {
        var best: SimNode?
        for n in started where n.isUp && n.role == .leader {
            if best == nil || n.term > best!.term { best = n }
        }
        return best
    }

    /// One tick: faults and client actions, then every live node ticks, then due messages.
    func step() throws {
        now += 1
        if faultsOn { try injectFaults() }
        try clientActions()
        for n in started where n.isUp {
            if let due = n.syncDueAt, due <= now {
                try sync(n)
                n.syncDueAt = nil
            }
            n.raw!.tick()
            try drive(n)
        }
        try deliverDue()
        try giveFeedback()
    }

    /// Tells senders what became of snapshots and of appends that never arrived.
    func giveFeedback() throws {
        while !feedback.isEmpty {
            let batch = feedback
            feedback = []
            for (m, delivered) in batch {
                guard let sender = node(m.from), let raw = sender.raw else { continue }
                if m.type == .snapshot {
                    raw.reportSnapshot(m.to, failed: !delivered)
                } else if !delivered {
                    raw.reportUnreachable(m.to)
                } else {
                    continue
                }
                try drive(sender)
            }
        }
    }

    func deliverDue() throws {
        while let m = network.popDue(now: now) {
            guard let n = node(m.to), n.isUp else {
                trace.record(now, .drop, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), 1,
                             "drop \(Simulation.describe(m)) (receiver down)")
                lost(m)
                try giveFeedback()
                continue
            }
            if n.removedPeers.contains(m.from.rawValue) {
                trace.record(now, .drop, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), 3,
                             "drop \(Simulation.describe(m)) (sender was removed)")
                lost(m)
                try giveFeedback()
                continue
            }
            if network.isCut(from: m.from, to: m.to) {
                trace.record(now, .drop, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), 2,
                             "drop \(Simulation.describe(m)) (partitioned)")
                lost(m)
                try giveFeedback()
                continue
            }
            trace.record(now, .deliver, m.from.rawValue, m.to.rawValue, UInt64(m.type.rawValue), m.index.rawValue,
                         "deliver \(Simulation.describe(m))")
            do {
                try n.raw!.step(m)
            } catch {
                // Refusals such as a response from a peer no longer in the configuration.
            }
            try drive(n)
            if m.type == .snapshot { feedback.append((m, true)) }
            try giveFeedback()
        }
    }

    /// A message that will never arrive: snapshots and appends are reported to the sender.
    func lost(_ m: Message) {
        if m.type == .snapshot || m.type == .append { feedback.append((m, false)) }
    }


    static func describe(_ m: Message) -> String {
        var s = "\(m.from)->\(m.to) \(m.type) t\(m.term)"
        switch m.type {
        case .append:
            s += " i\(m.index)/\(m.logTerm) n\(m.entries.count) c\(m.commit)"
        case .appendResponse:
            s += m.reject ? " reject i\(m.index) hint \(m.rejectHint)" : " i\(m.index)"
        case .vote, .preVote:
            s += " last \(m.index)/\(m.logTerm)"
        case .voteResponse, .preVoteResponse:
            s += m.reject ? " reject" : " grant"
        case .heartbeat:
            s += " c\(m.commit)"
        case .snapshot:
            if let snap = m.snapshot { s += " at \(snap.metadata.index)/\(snap.metadata.term)" }
        default:
            if !m.entries.isEmpty { s += " n\(m.entries.count)" }
        }
        return s
    }
}
