import Raft

/// A safety property that failed, with the evidence.
public struct SimViolation: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case twoLeaders = "two leaders in one term"
        case logMatching = "log matching"
        case leaderCompleteness = "leader completeness"
        case stateMachineSafety = "state machine safety"
        case termOrCommitWentBack = "term or commit went back"
        case voteNotDurable = "vote sent before it was durable"
        case ackNotDurable = "append acknowledged before it was durable"
        case staleRead = "linearizable read"
        case applyOrder = "apply order"
        case liveness = "liveness"
        case coreError = "core error"
    }

    public var kind: Kind
    public var detail: String
    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// The global invariants, fed by the driver at every Ready, send, apply and restart.
///
/// Histories are kept in arrays indexed by log index (0 = unknown) so every check is O(1) per
/// entry; the only linear check is leader completeness, once per election.
public struct SimChecker {
    /// term -> the one node that led it.
    private var leaderOf: [UInt64: UInt64] = [:]
    /// Per log index: term of the committed entry, data hash, and the lowest term at which any
    /// node was seen to know it committed (an upper bound on the term that committed it).
    private var committedTerm: [UInt64] = [0]
    private var committedData: [UInt64] = [0]
    private var commitSeenAtTerm: [UInt64] = [0]
    /// Per log index: state machine hash after applying it.
    private var smHashAt: [UInt64] = [0]
    /// Every (index, term) ever written to a log: its data hash and the term before it.
    private struct EntryKey: Hashable { var index: UInt64; var term: UInt64 }
    private var written: [EntryKey: (data: UInt64, prevTerm: UInt64)] = [:]
    /// Outstanding reads: id -> (node, index the read must at least see).
    private var reads: [UInt64: (node: UInt64, minIndex: UInt64)] = [:]

    public private(set) var maxCommit: UInt64 = 0
    public private(set) var elections = 0
    public private(set) var readsServed = 0

    /// Whether sent votes and acks are compared with the disk. Turning it off shows what the
    /// other checkers see of a driver that replies before its fsync (two leaders in a term).
    public let checkDurability: Bool

    public init(checkDurability: Bool = true) {
        self.checkDurability = checkDurability
    }

    private func fail(_ kind: SimViolation.Kind, _ detail: String) throws -> Never {
        throw SimViolation(kind: kind, detail: detail)
    }

    private mutating func grow(to i: UInt64) {
        while UInt64(committedTerm.count) <= i {
            committedTerm.append(0)
            committedData.append(0)
            commitSeenAtTerm.append(0)
            smHashAt.append(0)
        }
    }

    /// A node's Ready announced leadership (or it sent leader-only messages) in `term`.
    public mutating func leader(_ node: NodeID, term: UInt64) throws {
        if let other = leaderOf[term] {
            if other != node.rawValue { try fail(.twoLeaders, "term \(term): nodes \(other) and \(node)") }
            return
        }
        leaderOf[term] = node.rawValue
    }

    /// A node just became leader of `term`: its log must hold every entry known to be committed
    /// in an earlier term.
    public mutating func electedLeader(_ node: NodeID, term: UInt64, log: SimStorage) throws {
        try leader(node, term: term)
        elections += 1
        let offset = log.snapshotMeta.index.rawValue
        if maxCommit <= offset { return }
        for i in (offset + 1)...maxCommit where commitSeenAtTerm[Int(i)] != 0 && commitSeenAtTerm[Int(i)] < term {
            let have = log.termIfPresent(i)
            if have != committedTerm[Int(i)] {
                try fail(.leaderCompleteness,
                         "leader \(node) of term \(term) has term \(have.map(String.init) ?? "none") at \(i), committed term \(committedTerm[Int(i)])")
            }
        }
    }

    /// Entries were just written to `node`'s log (already applied to `log`).
    public mutating func wrote(_ entries: [Entry], node: NodeID, log: SimStorage) throws {
        for e in entries {
            let i = e.index.rawValue
            guard let prev = log.termIfPresent(i - 1) else { continue }
            let key = EntryKey(index: i, term: e.term.rawValue)
            let data = SimStateMachine.dataHash(e.data) &+ UInt64(e.type.rawValue)
            if let seen = written[key] {
                if seen.data != data || seen.prevTerm != prev {
                    try fail(.logMatching,
                             "node \(node) index \(i) term \(e.term): data/prev term \(data)/\(prev), elsewhere \(seen.data)/\(seen.prevTerm)")
                }
            } else {
                written[key] = (data, prev)
            }
        }
    }

    /// `node`'s commit index moved from `from` to `to` while its term is `term`.
    public mutating func committed(node: NodeID, from: UInt64, to: UInt64, term: UInt64, log: SimStorage) throws {
        guard to > from else { return }
        grow(to: to)
        for i in (from + 1)...to {
            guard let t = log.termIfPresent(i) else { continue }
            let k = Int(i)
            let data = log.entry(at: i).map { SimStateMachine.dataHash($0.data) } ?? 0
            if committedTerm[k] == 0 {
                committedTerm[k] = t
                if log.entry(at: i) != nil { committedData[k] = data }
                commitSeenAtTerm[k] = term
            } else {
                if committedTerm[k] != t {
                    try fail(.stateMachineSafety, "node \(node) commits term \(t) at \(i), committed term \(committedTerm[k])")
                }
                if log.entry(at: i) != nil {
                    if committedData[k] == 0 { committedData[k] = data } else if committedData[k] != data {
                        try fail(.stateMachineSafety, "node \(node) commits other data at \(i)")
                    }
                }
                commitSeenAtTerm[k] = min(commitSeenAtTerm[k], term)
            }
        }
        maxCommit = max(maxCommit, to)
    }

    /// `node` applied `e`, after which its state machine hash is `hash`.
    public mutating func applied(_ e: Entry, node: NodeID, hash: UInt64) throws {
        let i = e.index.rawValue
        grow(to: i)
        let k = Int(i)
        let data = SimStateMachine.dataHash(e.data)
        if committedTerm[k] != 0 && committedTerm[k] != e.term.rawValue {
            try fail(.stateMachineSafety, "node \(node) applies term \(e.term) at \(i), committed term \(committedTerm[k])")
        }
        if committedData[k] != 0 && committedData[k] != data {
            try fail(.stateMachineSafety, "node \(node) applies other data at \(i) than was committed")
        }
        if smHashAt[k] != 0 && smHashAt[k] != hash {
            try fail(.stateMachineSafety, "node \(node) state after applying \(i) differs from another node's")
        }
        if committedTerm[k] == 0 {
            committedTerm[k] = e.term.rawValue
            commitSeenAtTerm[k] = UInt64.max
        }
        committedData[k] = data
        smHashAt[k] = hash
        maxCommit = max(maxCommit, i)
    }

    /// A snapshot at `index` with state hash `hash` was created or installed by `node`.
    public mutating func snapshot(node: NodeID, index: UInt64, term: UInt64, hash: UInt64) throws {
        if index == 0 { return }
        grow(to: index)
        let k = Int(index)
        if smHashAt[k] != 0 && smHashAt[k] != hash {
            try fail(.stateMachineSafety, "node \(node) snapshot at \(index) holds a different state")
        }
        if committedTerm[k] != 0 && committedTerm[k] != term {
            try fail(.stateMachineSafety, "node \(node) snapshot at \(index) has term \(term), committed \(committedTerm[k])")
        }
        smHashAt[k] = hash
        if committedTerm[k] == 0 {
            committedTerm[k] = term
            commitSeenAtTerm[k] = UInt64.max
        }
        maxCommit = max(maxCommit, index)
    }

    public mutating func readRequested(id: UInt64, node: NodeID) {
        reads[id] = (node.rawValue, maxCommit)
    }

    /// A read was answered at `index`: it must see everything committed before it was asked.
    public mutating func readServed(id: UInt64, node: NodeID, index: UInt64) throws {
        guard let r = reads.removeValue(forKey: id) else { return }
        readsServed += 1
        if index < r.minIndex {
            try fail(.staleRead, "read \(id) at node \(node) served at index \(index), but \(r.minIndex) was committed before it was asked")
        }
    }

    /// Every message leaving a node, checked against the sender's durable disk and the roles.
    public mutating func sending(_ m: Message, durable: SimStorage) throws {
        switch m.type {
        case .voteResponse where !m.reject && checkDurability:
            let hs = durable.hardState
            if hs.term != m.term || hs.vote != m.to {
                try fail(.voteNotDurable,
                         "node \(m.from) grants its term-\(m.term) vote to \(m.to); disk holds term \(hs.term) vote \(hs.vote)")
            }
        case .appendResponse where !m.reject && checkDurability:
            if durable.lastIndexValue < m.index.rawValue || durable.hardState.term < m.term {
                try fail(.ackNotDurable,
                         "node \(m.from) acks index \(m.index) term \(m.term); disk has last index \(durable.lastIndexValue) term \(durable.hardState.term)")
            }
        case .append, .heartbeat, .snapshot:
            try leader(m.from, term: m.term.rawValue)
        default:
            break
        }
    }

    /// Hard state of one node moving forward, within an incarnation or across a restart.
    public func monotonic(node: NodeID, what: String, oldTerm: UInt64, newTerm: UInt64, oldCommit: UInt64, newCommit: UInt64) throws {
        if newTerm < oldTerm || newCommit < oldCommit {
            try fail(.termOrCommitWentBack,
                     "node \(node) \(what): term \(oldTerm)->\(newTerm), commit \(oldCommit)->\(newCommit)")
        }
    }
}
