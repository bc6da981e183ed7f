// The one message shape every Raft exchange uses; which fields matter depends on `type`.

public enum MessageType: UInt8, Sendable {
    case append = 0, appendResponse, vote, voteResponse, preVote, preVoteResponse, heartbeat,
        heartbeatResponse, snapshot, readIndex, readIndexResponse, timeoutNow,
        /// A proposal forwarded by a follower to its leader (entries carry the data).
        propose,
        /// A leadership-transfer request forwarded to the leader (`from` is the transferee).
        transferLeader

    /// Responses are sent at the responder's term and never raise anybody's term on their own
    /// account except through the usual "higher term" rule.
    var isResponse: Bool {
        switch self {
        case .appendResponse, .voteResponse, .preVoteResponse, .heartbeatResponse, .readIndexResponse: true
        default: false
        }
    }
}

public struct Message: Sendable, Equatable {
    public var type: MessageType
    public var to: NodeID
    public var from: NodeID
    public var term: Term
    /// append: term of the entry at `index` (the entry preceding `entries`).
    /// vote/preVote: the candidate's last log term. appendResponse reject: term at `rejectHint`.
    public var logTerm: Term
    /// append: index preceding `entries`. appendResponse: the last index now matching (or the
    /// rejected index). vote/preVote: the candidate's last index.
    public var index: LogIndex
    public var entries: [Entry]
    public var commit: LogIndex
    public var snapshot: Snapshot?
    public var reject: Bool
    public var rejectHint: LogIndex
    /// heartbeat(+Response)/readIndex(+Response): the read request context;
    /// vote/timeoutNow: `RaftCodec.campaignTransferContext` marks a leadership transfer.
    public var context: [UInt8]

    public init(type: MessageType, to: NodeID = .none, from: NodeID = .none, term: Term = 0,
                logTerm: Term = 0, index: LogIndex = 0, entries: [Entry] = [], commit: LogIndex = 0,
                snapshot: Snapshot? = nil, reject: Bool = false, rejectHint: LogIndex = 0,
                context: [UInt8] = []) {
        self.type = type
        self.to = to
        self.from = from
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.snapshot = snapshot
        self.reject = reject
        self.rejectHint = rejectHint
        self.context = context
    }
}
