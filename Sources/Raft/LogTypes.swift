// The durable pieces of Raft state: log entries, hard state, configuration and snapshots.

public enum EntryType: UInt8, Sendable {
    case normal = 0
    /// `data` is an encoded `ConfChange` (see `ConfChange.encoded()`).
    case confChange = 1
}

/// One log entry. An empty `normal` entry is the no-op a new leader appends for its term.
public struct Entry: Sendable, Equatable {
    public var term: Term
    public var index: LogIndex
    public var type: EntryType
    public var data: [UInt8]
    public init(term: Term, index: LogIndex, type: EntryType = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.type = type
        self.data = data
    }
    /// Approximate byte size, used for batching and the uncommitted-size bound.
    public var byteSize: UInt64 { UInt64(data.count) + 24 }
}

/// State that must be on stable storage before any message that depends on it is sent.
public struct HardState: Sendable, Equatable {
    public var term: Term
    public var vote: NodeID
    public var commit: LogIndex
    public init(term: Term = 0, vote: NodeID = .none, commit: LogIndex = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
    public var isEmpty: Bool { self == HardState() }
}

/// The membership configuration. In a joint configuration `votersOutgoing` is non-empty.
/// `learnersNext` are voters of the outgoing config that become learners when leaving joint.
public struct ConfState: Sendable, Equatable {
    public var voters: [NodeID]
    public var learners: [NodeID]
    public var votersOutgoing: [NodeID]
    public var learnersNext: [NodeID]
    public var autoLeave: Bool
    public init(voters: [NodeID] = [], learners: [NodeID] = [], votersOutgoing: [NodeID] = [],
                learnersNext: [NodeID] = [], autoLeave: Bool = false) {
        self.voters = voters
        self.learners = learners
        self.votersOutgoing = votersOutgoing
        self.learnersNext = learnersNext
        self.autoLeave = autoLeave
    }
    public var isJoint: Bool { !votersOutgoing.isEmpty }
}

public struct SnapshotMetadata: Sendable, Equatable {
    public var confState: ConfState
    public var index: LogIndex
    public var term: Term
    public init(confState: ConfState = ConfState(), index: LogIndex = 0, term: Term = 0) {
        self.confState = confState
        self.index = index
        self.term = term
    }
}

/// A state-machine snapshot covering the log up to and including `metadata.index`.
public struct Snapshot: Sendable, Equatable {
    public var data: [UInt8]
    public var metadata: SnapshotMetadata
    public init(data: [UInt8] = [], metadata: SnapshotMetadata = SnapshotMetadata()) {
        self.data = data
        self.metadata = metadata
    }
    public var isEmpty: Bool { metadata.index == 0 }
}
