// Small value types describing a node's volatile state to the application.

public enum RaftRole: Sendable, CustomStringConvertible {
    case follower, preCandidate, candidate, leader
    public var description: String {
        switch self {
        case .follower: "follower"
        case .preCandidate: "pre-candidate"
        case .candidate: "candidate"
        case .leader: "leader"
        }
    }
}

/// Volatile state that need not be persisted: who leads and what this node is.
public struct SoftState: Sendable, Equatable {
    public var leader: NodeID
    public var role: RaftRole
    public init(leader: NodeID, role: RaftRole) {
        self.leader = leader
        self.role = role
    }
}

/// The answer to a `readIndex(context:)` call: once the application has applied up to
/// `index`, a read issued with `requestContext` is linearizable.
public struct ReadState: Sendable, Equatable {
    public var index: LogIndex
    public var requestContext: [UInt8]
    public init(index: LogIndex, requestContext: [UInt8]) {
        self.index = index
        self.requestContext = requestContext
    }
}

public enum RaftError: Error, Sendable, Equatable {
    /// The proposal could not be accepted (no leader, forwarding disabled, leadership transfer
    /// in progress, uncommitted bound reached, or this node is not in the configuration).
    case proposalDropped
    /// Local message types (none exist publicly) must not be stepped from the network.
    case stepLocalMessage
    /// A response came from a node that is not in the configuration.
    case stepPeerNotFound
    case invalidConfig(String)
    /// A membership change was invalid (applied config unchanged).
    case invalidConfChange(String)
}

public enum ProgressState: Sendable, CustomStringConvertible {
    /// Leader knows little about the follower: one append per heartbeat interval.
    case probe
    /// Follower is caught up: appends are streamed optimistically within the inflight window.
    case replicate
    /// Follower needs a snapshot; appends pause until it is reported.
    case snapshot
    public var description: String {
        switch self {
        case .probe: "StateProbe"
        case .replicate: "StateReplicate"
        case .snapshot: "StateSnapshot"
        }
    }
}

/// The leader's view of one follower.
public struct ProgressStatus: Sendable, Equatable {
    public var match: LogIndex
    public var next: LogIndex
    public var state: ProgressState
    public var isLearner: Bool
    public var recentActive: Bool
    public var pendingSnapshot: LogIndex
    public var inflight: Int
}

public struct RaftStatus: Sendable, Equatable {
    public var id: NodeID
    public var hardState: HardState
    public var softState: SoftState
    public var applied: LogIndex
    /// Filled only on the leader.
    public var progress: [NodeID: ProgressStatus]
    public var config: ConfState
    public var leadTransferee: NodeID
}
