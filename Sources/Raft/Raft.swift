// The Raft state machine: terms, roles, and the message dispatch shared by all roles. The
// per-role behaviour lives in RaftLeader/RaftFollower/RaftCandidate; membership in
// RaftMembership. Nothing here does I/O: outgoing messages accumulate in `msgs`.

final class Raft {
    let id: NodeID
    var term: Term = 0
    var vote: NodeID = .none
    var role: RaftRole = .follower
    var lead: NodeID = .none
    var log: RaftLog
    var tracker: ProgressTracker
    var msgs: [Message] = []
    var readStates: [ReadState] = []

    let config: RaftConfig
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    private var rng: SplitMix64

    /// Transferee of an ongoing leadership transfer.
    var leadTransferee: NodeID = .none
    /// Index of the last conf change entry proposed; no other may be proposed until applied.
    var pendingConfIndex: LogIndex = 0
    /// Bytes of entry payloads appended by this leader and not yet committed.
    var uncommittedSize: UInt64 = 0
    var readOnly = ReadOnlyQueue()
    /// ReadIndex requests that arrived before this leader committed an entry of its term.
    var pendingReadIndex: [Message] = []
    static let pendingReadIndexLimit = 4096

    var canary: RaftCanary? { config.canary }

    init(config: RaftConfig, storage: LogStorage) throws {
        try config.validate()
        self.config = config
        id = config.id
        log = RaftLog(storage: storage, maxApplyBytes: max(config.maxSizePerMessage, 1))
        tracker = ProgressTracker(maxInflight: config.maxInflightMessages)
        // Mix the id in so nodes sharing a seed still draw different timeouts.
        rng = SplitMix64(seed: config.randomSeed ^ (config.id.rawValue &* 0x9E37_79B9_7F4A_7C15))

        let (hs, cs) = storage.initialState()
        let (cfg, prs) = try ConfChanger.restore(cs, tracker: tracker, lastIndex: log.lastIndex)
        tracker.config = cfg
        tracker.progress = prs
        if !hs.isEmpty {
            guard hs.commit >= log.committed && hs.commit <= log.lastIndex else {
                throw RaftError.invalidConfig("hard state commit \(hs.commit) out of range [\(log.committed), \(log.lastIndex)]")
            }
            log.committed = hs.commit
            term = hs.term
            vote = hs.vote
        }
        if config.applied > 0 {
            guard config.applied <= log.committed else {
                throw RaftError.invalidConfig("applied \(config.applied) beyond commit \(log.committed)")
            }
            log.applied(to: config.applied)
        }
        becomeFollower(term: term, lead: .none)
    }

    var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    var softState: SoftState { SoftState(leader: lead, role: role) }

    /// Whether this node may become leader: it is a voter of the current configuration.
    var promotable: Bool {
        guard let pr = tracker.progress[id] else { return false }
        return !pr.isLearner && tracker.isVoter(id)
    }

    // MARK: Sending

    func send(_ m: Message) {
        var m = m
        // A forwarded transfer request names the transferee in `from`.
        if m.type != .transferLeader { m.from = id }
        switch m.type {
        case .vote, .voteResponse, .preVote, .preVoteResponse:
            // Vote traffic carries the term explicitly (a pre-vote is sent for term+1).
            precondition(m.term != 0, "vote message without a term: \(m.type)")
        case .propose, .readIndex:
            // Forwarded requests are not bound to a term: the leader accepts them whatever its term.
            m.term = 0
        default:
            m.term = term
        }
        msgs.append(m)
    }

    // MARK: Role changes

    /// The highest index known durable on this node (used as the leader's own match).
    var persistedLastIndex: LogIndex {
        if log.unstable.snapshot != nil { return 0 }
        return min(log.storage.lastIndex(), log.unstable.offset - 1)
    }

    func reset(term newTerm: Term) {
        if term != newTerm {
            term = newTerm
            vote = .none
        }
        lead = .none
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        abortLeaderTransfer()
        tracker.resetVotes()
        let last = log.lastIndex
        for nid in tracker.sortedIDs {
            var pr = Progress(next: last + 1, maxInflight: tracker.maxInflight, isLearner: tracker.progress[nid]!.isLearner)
            if nid == id { pr.match = persistedLastIndex }
            tracker.progress[nid] = pr
        }
        pendingConfIndex = 0
        uncommittedSize = 0
        readOnly.reset()
        pendingReadIndex = []
    }

    func resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks + rng.below(config.electionTicks)
    }

    func becomeFollower(term: Term, lead: NodeID) {
        reset(term: term)
        self.lead = lead
        role = .follower
    }

    func becomePreCandidate() {
        precondition(role != .leader, "invalid transition leader -> pre-candidate")
        // A pre-candidate changes neither term nor vote: losing the pre-vote leaves no trace.
        tracker.resetVotes()
        lead = .none
        role = .preCandidate
    }

    func becomeCandidate() {
        precondition(role != .leader, "invalid transition leader -> candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    func becomeLeader() {
        precondition(role == .candidate, "invalid transition \(role) -> leader")
        reset(term: term)
        lead = id
        role = .leader
        tracker.progress[id]?.becomeReplicate()
        // Conf changes in the uncommitted tail may be pending; be conservative.
        pendingConfIndex = log.lastIndex
        if canary != .commitEarlierTermByCounting {
            // §5.4.2 / §8: an entry of this term lets earlier entries commit and ReadIndex work.
            _ = appendEntries([Entry(term: 0, index: 0)])
        }
    }

    // MARK: Ticks

    func tick() {
        if role == .leader { tickHeartbeat() } else { tickElection() }
    }

    private func tickElection() {
        electionElapsed += 1
        if promotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            hup(transfer: false)
        }
    }

    private func tickHeartbeat() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= config.electionTicks {
            electionElapsed = 0
            if config.checkQuorum { checkQuorumActive() }
            // A transfer that did not finish within an election timeout is abandoned (a
            // removed leader then tries again with the best candidate).
            if role == .leader && !leadTransferee.isNone { abortLeaderTransfer() }
            handOverLeadership()
        }
        guard role == .leader else { return }
        if heartbeatElapsed >= config.heartbeatTicks {
            heartbeatElapsed = 0
            bcastHeartbeat()
        }
    }

    // MARK: Elections

    /// Starts an election (or a pre-vote round) unless that makes no sense right now.
    func hup(transfer: Bool) {
        guard role != .leader, promotable else { return }
        // A conf change committed but not applied may remove us or change the quorum.
        if hasUnappliedConfChange() { return }
        if config.preVote && !transfer {
            campaign(pre: true, transfer: false)
        } else {
            campaign(pre: false, transfer: transfer)
        }
    }

    private func hasUnappliedConfChange() -> Bool {
        guard log.committed > log.applied else { return false }
        let ents = (try? log.slice(log.applied + 1, log.committed + 1, maxBytes: .max)) ?? []
        return ents.contains { $0.type == .confChange }
    }

    func campaign(pre: Bool, transfer: Bool) {
        let voteType: MessageType
        let voteTerm: Term
        if pre {
            becomePreCandidate()
            voteType = .preVote
            voteTerm = term + 1
        } else {
            becomeCandidate()
            voteType = .vote
            voteTerm = term
        }
        if poll(id, type: voteType == .preVote ? .preVoteResponse : .voteResponse, granted: true) == .won {
            // Single-voter config: won outright.
            if pre { campaign(pre: false, transfer: transfer) } else { becomeLeader() }
            return
        }
        // (tracker.ghostVoters is empty unless the removedNodeCountsInQuorum canary is set.)
        for nid in tracker.config.voters.allIDs.union(tracker.ghostVoters).sorted() where nid != id {
            send(Message(type: voteType, to: nid, term: voteTerm, logTerm: log.lastTerm, index: log.lastIndex,
                         context: transfer ? RaftCodec.campaignTransferContext : []))
        }
    }

    func poll(_ from: NodeID, type: MessageType, granted: Bool) -> VoteResult {
        tracker.recordVote(from, granted: granted)
        return tracker.tally().result
    }

    // MARK: Step

    func step(_ m: Message) throws {
        if m.term > 0 && m.term > term {
            guard handleHigherTerm(m) else { return }
        } else if m.term > 0 && m.term < term {
            handleLowerTerm(m)
            return
        }
        switch m.type {
        case .vote, .preVote:
            handleVoteRequest(m)
        default:
            switch role {
            case .leader: try stepLeader(m)
            case .candidate, .preCandidate: try stepCandidate(m)
            case .follower: try stepFollower(m)
            }
        }
    }

    /// A message from a higher term. Returns false when the message must be ignored.
    private func handleHigherTerm(_ m: Message) -> Bool {
        if m.type == .vote || m.type == .preVote {
            let force = m.context == RaftCodec.campaignTransferContext
            let inLease = config.checkQuorum && !lead.isNone && electionElapsed < config.electionTicks
            // Leader lease: while we hear from a live leader, disruptive candidates are ignored.
            if !force && inLease { return false }
        }
        switch m.type {
        case .preVote:
            // Never change term because of a pre-vote.
            break
        case .preVoteResponse where !m.reject:
            // Our own future term, granted: we bump the term when the pre-vote is won.
            break
        case .append, .heartbeat, .snapshot:
            becomeFollower(term: m.term, lead: m.from)
        case .vote:
            // §5.2: the election timer restarts when we hear from a leader or grant a vote, not
            // merely because a candidate has a higher term. Otherwise stale candidates that
            // keep campaigning could keep the most up-to-date node from ever running.
            let elapsed = electionElapsed
            let timeout = randomizedElectionTimeout
            becomeFollower(term: m.term, lead: .none)
            electionElapsed = min(elapsed, timeout)
            randomizedElectionTimeout = timeout
        default:
            becomeFollower(term: m.term, lead: .none)
        }
        return true
    }

    private func handleLowerTerm(_ m: Message) {
        if m.type == .heartbeat || m.type == .append {
            // A stale leader must learn the newer term. Without check-quorum/pre-vote our own
            // campaign would tell it, but a learner never campaigns, and with them our vote
            // requests may be ignored: either way a leader could keep replicating to a node
            // that silently drops everything. So answer with our term; the leader steps down.
            send(Message(type: .appendResponse, to: m.from))
        } else if m.type == .preVote {
            // Reject so the pre-candidate learns the newer term instead of waiting.
            send(Message(type: .preVoteResponse, to: m.from, term: term, reject: true))
        }
        // Anything else from an older term is ignored.
    }

    private func handleVoteRequest(_ m: Message) {
        // We can vote for the same candidate again (retransmission), for anyone if we have not
        // voted and know no leader, and in a pre-vote for any future term.
        let canVote = vote == m.from
            || (vote.isNone && lead.isNone)
            || (m.type == .preVote && m.term > term)
        let responseType: MessageType = m.type == .vote ? .voteResponse : .preVoteResponse
        if canVote && log.isUpToDate(lastIndex: m.index, term: m.logTerm) {
            // Reply with the request's term: for a pre-vote that is our future term.
            send(Message(type: responseType, to: m.from, term: m.term))
            if m.type == .vote {
                electionElapsed = 0
                vote = m.from
            }
        } else {
            send(Message(type: responseType, to: m.from, term: term, reject: true))
        }
    }

    // MARK: Follower-side handlers (also used by candidates that learn of a leader)

    func handleAppend(_ m: Message) {
        if m.index < log.committed {
            send(Message(type: .appendResponse, to: m.from, index: log.committed))
            return
        }
        if let lastNew = log.maybeAppend(index: m.index, logTerm: m.logTerm, committed: m.commit,
                                         entries: m.entries,
                                         keepConflictingSuffix: canary == .keepConflictingSuffix) {
            send(Message(type: .appendResponse, to: m.from, index: lastNew))
            return
        }
        // Fast back-off: point the leader at the last index that could match, with its term.
        var hint = min(m.index, log.lastIndex)
        hint = log.findConflictByTerm(hint, m.logTerm)
        send(Message(type: .appendResponse, to: m.from, logTerm: log.termOrZero(hint), index: m.index,
                     reject: true, rejectHint: hint))
    }

    func handleHeartbeat(_ m: Message) {
        log.commit(to: min(m.commit, log.lastIndex))
        send(Message(type: .heartbeatResponse, to: m.from, context: m.context))
    }

    func handleSnapshot(_ m: Message) {
        guard let s = m.snapshot else { return }
        if restore(s) {
            send(Message(type: .appendResponse, to: m.from, index: log.lastIndex))
        } else {
            send(Message(type: .appendResponse, to: m.from, index: log.committed))
        }
    }

    /// Installs a snapshot from the leader. Returns false if it was not needed.
    private func restore(_ s: Snapshot) -> Bool {
        let md = s.metadata
        if md.index <= log.committed { return false }
        guard role == .follower else { return false }
        let cs = md.confState
        let members = Set(cs.voters + cs.learners + cs.votersOutgoing)
        // A snapshot whose configuration does not contain us cannot be for us.
        guard members.contains(id) else { return false }
        if log.matchTerm(md.index, md.term) {
            // We already have the entries: fast-forward the commit index instead.
            log.commit(to: md.index)
            return false
        }
        log.restore(s)
        guard let (cfg, prs) = try? ConfChanger.restore(cs, tracker: tracker, lastIndex: log.lastIndex) else {
            preconditionFailure("unable to restore config from snapshot \(cs)")
        }
        tracker.config = cfg
        tracker.progress = prs
        tracker.ghostVoters = []
        return true
    }
}
