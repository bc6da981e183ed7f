// The application's handle on the Raft core (etcd's RawNode): feed it ticks, messages and
// requests; collect `Ready` batches; confirm them with `advance`. Not thread-safe: use it on
// one thread.
//
// Bootstrap: the initial configuration comes from `LogStorage.initialState().1` (for example
// `MemoryStorage(confState:)`). Members that join later may start with an empty ConfState and
// learn the configuration from the leader's snapshot; or, as etcd does, the founding
// configuration can also be written as committed `.confChange` entries (addNode per voter) so
// a joiner learns it by replaying the log — applying an addNode for an existing voter is a
// no-op. A node that is not a voter of its configuration never campaigns.

public final class RawNode {
    let raft: Raft
    private var prevSoftState: SoftState
    private var prevHardState: HardState

    public init(config: RaftConfig, storage: LogStorage) throws {
        raft = try Raft(config: config, storage: storage)
        prevSoftState = raft.softState
        prevHardState = raft.hardState
    }

    public var id: NodeID { raft.id }

    /// Advances the logical clock by one tick (election and heartbeat timeouts count ticks).
    public func tick() { raft.tick() }

    /// Starts an election now (a pre-vote first when enabled).
    public func campaign() throws { raft.hup(transfer: false) }

    /// Proposes `data` for the log. Throws `proposalDropped` when it cannot be accepted now;
    /// acceptance is no promise of commit.
    public func propose(_ data: [UInt8]) throws {
        try raft.step(Message(type: .propose, from: raft.id, entries: [Entry(term: 0, index: 0, data: data)]))
    }

    /// Proposes a membership change. Refused (turned into a no-op entry) by the leader while
    /// another change is pending or when it does not fit the joint state.
    public func proposeConfChange(_ cc: ConfChange) throws {
        let e = Entry(term: 0, index: 0, type: .confChange, data: cc.encoded())
        try raft.step(Message(type: .propose, from: raft.id, entries: [e]))
    }

    /// Feeds a message received from a peer.
    public func step(_ m: Message) throws {
        switch m.type {
        case .appendResponse, .heartbeatResponse, .voteResponse, .preVoteResponse:
            // Responses only make sense from members we track.
            guard raft.tracker.progress[m.from] != nil else { throw RaftError.stepPeerNotFound }
        default:
            break
        }
        try raft.step(m)
    }

    /// Applies a committed conf change entry's change; returns the new configuration, which
    /// the application stores with its next snapshot.
    public func applyConfChange(_ cc: ConfChange) -> ConfState { raft.applyConfChange(cc) }

    /// Asks the leader to hand over to `to` (forwarded when this node is a follower).
    public func transferLeadership(to: NodeID) {
        try? raft.step(Message(type: .transferLeader, from: to))
    }

    /// Requests a linearizable read point; the answer arrives as a ReadState with `context`
    /// (which must be unique among outstanding requests).
    public func readIndex(context: [UInt8]) {
        try? raft.step(Message(type: .readIndex, from: raft.id, context: context))
    }

    public func hasReady() -> Bool {
        if raft.softState != prevSoftState { return true }
        let hs = raft.hardState
        if !hs.isEmpty && hs != prevHardState { return true }
        if raft.log.unstable.snapshot != nil { return true }
        if !raft.msgs.isEmpty || !raft.readStates.isEmpty { return true }
        if !raft.log.unstableEntries.isEmpty || raft.log.hasNextEntries { return true }
        return false
    }

    /// Collects the work to do. Call `advance` with it before calling `ready` again.
    public func ready() -> Ready {
        var rd = Ready()
        rd.entries = raft.log.unstableEntries
        rd.committedEntries = raft.log.nextEntries()
        raft.log.handedOut(rd.committedEntries)
        rd.messages = raft.msgs
        rd.readStates = raft.readStates
        rd.snapshot = raft.log.unstable.snapshot
        let ss = raft.softState
        if ss != prevSoftState {
            rd.softState = ss
            prevSoftState = ss
        }
        let hs = raft.hardState
        if hs != prevHardState {
            rd.hardState = hs
            rd.mustSync = hs.term != prevHardState.term || hs.vote != prevHardState.vote
            prevHardState = hs
        }
        if !rd.entries.isEmpty || rd.snapshot != nil { rd.mustSync = true }
        raft.msgs = []
        raft.readStates = []
        raft.reduceUncommittedSize(rd.committedEntries)
        return rd
    }

    /// Tells the core that `rd` was handled: its entries and snapshot are durable and its
    /// committed entries applied.
    public func advance(_ rd: Ready) {
        if let s = rd.snapshot { raft.log.stableSnapshotTo(s.metadata.index) }
        if let last = rd.entries.last {
            raft.log.stableTo(index: last.index, term: last.term)
            raft.selfPersisted(index: last.index, term: last.term)
        }
        var applied = rd.committedEntries.last?.index ?? 0
        if let s = rd.snapshot { applied = max(applied, s.metadata.index) }
        if applied > raft.log.applied { raft.log.applied(to: applied) }
        raft.maybeAutoLeaveJoint()
    }

    /// Committed entries that are also durable in this node's own storage and were not handed
    /// out yet (by a Ready or an earlier call), in order. An application that persists a Ready
    /// on another thread calls this meanwhile: an entry committed while that write runs can be
    /// applied (and its client answered) without waiting for the write, which is about other
    /// entries. Only locally durable entries qualify, so the state machine never runs ahead
    /// of this node's log. Report them with `appliedTo` once applied.
    public func takeDurableCommitted() -> [Entry] {
        let entries = raft.log.nextEntries(upTo: raft.persistedLastIndex)
        raft.log.handedOut(entries)
        return entries
    }

    /// The application applied every committed entry up to `index`.
    public func appliedTo(_ index: LogIndex) {
        if index > raft.log.applied { raft.log.applied(to: index) }
    }

    /// The highest index durable in this node's own storage (0 while a snapshot is pending).
    public var persistedIndex: LogIndex { raft.persistedLastIndex }

    /// The transport could not reach `id`: the leader stops streaming to it optimistically.
    public func reportUnreachable(_ id: NodeID) { raft.reportUnreachable(id) }

    /// Outcome of sending a snapshot to `id`; on failure the leader retries later.
    public func reportSnapshot(_ id: NodeID, failed: Bool) { raft.reportSnapshot(id, failed: failed) }

    public func status() -> RaftStatus {
        var progress: [NodeID: ProgressStatus] = [:]
        if raft.role == .leader {
            for (nid, pr) in raft.tracker.progress { progress[nid] = pr.status }
        }
        return RaftStatus(id: raft.id, hardState: raft.hardState, softState: raft.softState,
                          applied: raft.log.applied, progress: progress,
                          config: raft.tracker.config.confState, leadTransferee: raft.leadTransferee)
    }
}
