// Everything a node needs to know before it starts. Times are in ticks.

public enum ReadOnlyOption: Sendable {
    /// A read is confirmed by a heartbeat round to a quorum carrying the read's context.
    case safe
    /// A read is served from the leader's lease (requires checkQuorum); depends on bounded
    /// clock drift, so it is only as safe as the ticks are.
    case leaseBased
}

/// Deliberately reintroduced bugs. Only the simulator sets these, to prove its checkers catch them.
public enum RaftCanary: String, Sendable, CaseIterable {
    /// A leader commits an entry of an earlier term by counting replicas (no §5.4.2 rule, and no
    /// no-op entry at the start of the term to shield it).
    case commitEarlierTermByCounting
    /// A follower that receives entries conflicting with its log keeps its own suffix.
    case keepConflictingSuffix
    /// A leader answers ReadIndex at once, without confirming leadership with a quorum.
    case readIndexWithoutQuorum
    /// Removed voters keep counting toward the new config's quorum: their acknowledgements
    /// toward the leader's commit index, and their votes toward a candidate's majority.
    case removedNodeCountsInQuorum
}

public struct RaftConfig: Sendable {
    public var id: NodeID
    /// Followers start an election after a random timeout in [electionTicks, 2*electionTicks).
    public var electionTicks = 10
    /// A leader sends heartbeats every heartbeatTicks; must be less than electionTicks.
    public var heartbeatTicks = 1
    /// The last applied index when restarting; entries up to it are not handed out again.
    public var applied: LogIndex = 0
    /// Upper bound on the entry bytes in one append message (at least one entry is sent).
    public var maxSizePerMessage: UInt64 = 1 << 20
    /// How many append messages may be in flight to one follower in replicate state.
    public var maxInflightMessages = 256
    /// Bound on the bytes of uncommitted entries the leader accepts (0 = no limit).
    public var maxUncommittedEntriesBytes: UInt64 = 0
    /// The leader steps down if it did not hear from a quorum within an election timeout;
    /// followers with a live leader then ignore disruptive votes (leader lease).
    public var checkQuorum = false
    /// Run a pre-vote round (that does not bump terms) before a real election.
    public var preVote = false
    public var readOnlyOption: ReadOnlyOption = .safe
    /// Followers drop proposals instead of forwarding them to the leader.
    public var disableProposalForwarding = false
    /// Seed of the generator that draws election timeouts.
    public var randomSeed: UInt64 = 0
    public var canary: RaftCanary? = nil

    public init(id: NodeID) { self.id = id }

    func validate() throws {
        guard !id.isNone else { throw RaftError.invalidConfig("id must not be none") }
        guard heartbeatTicks > 0 else { throw RaftError.invalidConfig("heartbeatTicks must be > 0") }
        guard electionTicks > heartbeatTicks else {
            throw RaftError.invalidConfig("electionTicks must be greater than heartbeatTicks")
        }
        guard maxInflightMessages > 0 else { throw RaftError.invalidConfig("maxInflightMessages must be > 0") }
        if readOnlyOption == .leaseBased && !checkQuorum {
            throw RaftError.invalidConfig("leaseBased reads require checkQuorum")
        }
    }
}
