// Leader behaviour: accepting proposals, replicating with flow control, committing, and
// answering responses.

extension Raft {
    func stepLeader(_ m: Message) throws {
        switch m.type {
        case .propose:
            try leaderPropose(m)
            return
        case .readIndex:
            leaderReadIndex(m)
            return
        default:
            break
        }
        guard tracker.progress[m.from] != nil else { return }
        switch m.type {
        case .appendResponse: handleAppendResponse(m)
        case .heartbeatResponse: handleHeartbeatResponse(m)
        case .transferLeader: handleTransferLeader(m)
        default: break
        }
    }

    private func leaderPropose(_ m: Message) throws {
        precondition(!m.entries.isEmpty, "propose without entries")
        // Removed from the configuration (or demoted): we must not grow the log any more.
        guard isVoterSelf else { throw RaftError.proposalDropped }
        // A transfer is in progress: the transferee should get our log as it is.
        guard leadTransferee.isNone else { throw RaftError.proposalDropped }
        var ents = m.entries
        for i in ents.indices where ents[i].type == .confChange {
            if mayProposeConfChange(ents[i]) {
                pendingConfIndex = log.lastIndex + UInt64(i) + 1
            } else {
                // Keep the slot (the proposal still gets an index) but make it a no-op.
                ents[i] = Entry(term: 0, index: 0, type: .normal, data: [])
            }
        }
        guard appendEntries(ents) else { throw RaftError.proposalDropped }
        bcastAppend()
    }

    /// A conf change may be proposed only when no other is pending (proposed but not yet
    /// applied), and only a leave-joint change while joint (and never one when not joint).
    private func mayProposeConfChange(_ e: Entry) -> Bool {
        guard let cc = try? ConfChange(decoding: e.data) else { return false }
        if pendingConfIndex > log.applied { return false }
        return tracker.isJoint == cc.isLeaveJoint
    }

    /// Appends to the leader's log. The leader's own progress advances only when the entries
    /// are durable (see `selfPersisted`). Returns false if the uncommitted bound refused them.
    func appendEntries(_ ents: [Entry], bypassUncommittedBound: Bool = false) -> Bool {
        var ents = ents
        let li = log.lastIndex
        for i in ents.indices {
            ents[i].term = term
            ents[i].index = li + UInt64(i) + 1
        }
        if bypassUncommittedBound {
            uncommittedSize += payloadSize(ents)
        } else if !increaseUncommittedSize(ents) {
            return false
        }
        log.append(ents)
        return true
    }

    private func payloadSize(_ ents: [Entry]) -> UInt64 {
        ents.reduce(0) { $0 + UInt64($1.data.count) }
    }

    private func increaseUncommittedSize(_ ents: [Entry]) -> Bool {
        let s = payloadSize(ents)
        let limit = config.maxUncommittedEntriesBytes
        // Always let one proposal through when nothing is outstanding, or it could never commit.
        if limit > 0 && uncommittedSize > 0 && s > 0 && uncommittedSize + s > limit { return false }
        uncommittedSize += s
        return true
    }

    func reduceUncommittedSize(_ ents: [Entry]) {
        guard role == .leader else { return }
        let s = payloadSize(ents)
        uncommittedSize -= min(s, uncommittedSize)
    }

    /// The application made the leader's entries up to `index` durable.
    func selfPersisted(index: LogIndex, term t: Term) {
        guard role == .leader, log.termOrZero(index) == t, tracker.progress[id] != nil else { return }
        if tracker.progress[id]!.maybeUpdate(index) && maybeCommit() { bcastAppend() }
    }

    /// Advances the commit index to what a quorum holds; only entries of the current term are
    /// committed by counting (§5.4.2), unless the canary says otherwise.
    func maybeCommit() -> Bool {
        let before = log.committed
        let committed = log.maybeCommit(tracker.committed(), term: term,
                                        anyTerm: canary == .commitEarlierTermByCounting)
        if committed && log.termOrZero(before) != term && log.termOrZero(log.committed) == term {
            releasePendingReadIndex()
        }
        return committed
    }

    // MARK: Replication

    func bcastAppend() {
        for nid in replicationTargets { sendAppend(to: nid) }
    }

    /// The peers the leader replicates to, in id order: everyone tracked but itself (and not
    /// the removed voters the removedNodeCountsInQuorum canary keeps: like real removed
    /// members they get nothing, they only go on being counted).
    var replicationTargets: [NodeID] {
        let cfg = tracker.config
        return tracker.sortedIDs.filter { nid in
            nid != id && (!tracker.ghostVoters.contains(nid) || cfg.learners.contains(nid) || cfg.learnersNext.contains(nid))
        }
    }

    func sendAppend(to nid: NodeID) { _ = maybeSendAppend(to: nid, sendIfEmpty: true) }

    /// Sends entries (or a snapshot) to `nid` if its progress allows. Returns whether a
    /// message was sent.
    @discardableResult
    func maybeSendAppend(to nid: NodeID, sendIfEmpty: Bool) -> Bool {
        guard role == .leader, var pr = tracker.progress[nid], !pr.isPaused else { return false }
        defer { tracker.progress[nid] = pr }
        let prevIndex = pr.next - 1
        let prevTerm = try? log.term(at: prevIndex)
        let ents = try? log.entries(from: pr.next, maxBytes: config.maxSizePerMessage)
        if let ents, ents.isEmpty && !sendIfEmpty { return false }
        guard let prevTerm, let ents else {
            return sendSnapshot(to: nid, progress: &pr)
        }
        send(Message(type: .append, to: nid, logTerm: prevTerm, index: prevIndex, entries: ents,
                     commit: log.committed))
        if let last = ents.last {
            switch pr.state {
            case .replicate:
                pr.optimisticUpdate(last.index)
                pr.inflights.add(last.index)
            case .probe:
                pr.probeSent = true
            case .snapshot:
                preconditionFailure("sending append to \(nid) in snapshot state")
            }
        }
        return true
    }

    /// The follower needs entries we compacted: send the snapshot instead.
    private func sendSnapshot(to nid: NodeID, progress pr: inout Progress) -> Bool {
        // Only to followers we recently heard from: a snapshot is expensive.
        guard pr.recentActive else { return false }
        guard let snap = try? log.snapshot(), !snap.isEmpty else { return false }
        pr.becomeSnapshot(snap.metadata.index)
        send(Message(type: .snapshot, to: nid, snapshot: snap))
        return true
    }

    func bcastHeartbeat() {
        let ctx = readOnly.lastContext ?? []
        for nid in replicationTargets {
            // Never tell a follower to commit beyond what it is known to hold.
            let commit = min(tracker.progress[nid]!.match, log.committed)
            send(Message(type: .heartbeat, to: nid, commit: commit, context: ctx))
        }
    }

    // MARK: Responses

    private func handleAppendResponse(_ m: Message) {
        var pr = tracker.progress[m.from]!
        pr.recentActive = true
        if m.reject {
            var hint = m.rejectHint
            if m.logTerm > 0 {
                // Skip every entry of ours whose term is above the follower's term at the hint.
                hint = log.findConflictByTerm(m.rejectHint, m.logTerm)
            }
            if pr.maybeDecrTo(rejected: m.index, hint: hint) {
                if pr.state == .replicate { pr.becomeProbe() }
                tracker.progress[m.from] = pr
                sendAppend(to: m.from)
            } else {
                tracker.progress[m.from] = pr
            }
            return
        }
        let wasPaused = pr.isPaused
        guard pr.maybeUpdate(m.index) else {
            tracker.progress[m.from] = pr
            return
        }
        switch pr.state {
        case .probe:
            pr.becomeReplicate()
        case .snapshot where pr.match >= pr.pendingSnapshot:
            pr.becomeProbe()
            pr.becomeReplicate()
        case .replicate:
            pr.inflights.free(upTo: m.index)
        default:
            break
        }
        tracker.progress[m.from] = pr
        if maybeCommit() {
            bcastAppend()
        } else if wasPaused {
            sendAppend(to: m.from)
        }
        // Fill the inflight window.
        while maybeSendAppend(to: m.from, sendIfEmpty: false) {}
        if m.from == leadTransferee && tracker.progress[m.from]!.match == log.lastIndex {
            sendTimeoutNow(to: m.from)
        }
    }

    private func handleHeartbeatResponse(_ m: Message) {
        var pr = tracker.progress[m.from]!
        pr.recentActive = true
        pr.probeSent = false
        if pr.state == .replicate && pr.inflights.isFull { pr.inflights.freeFirst() }
        tracker.progress[m.from] = pr
        if pr.match < log.lastIndex { sendAppend(to: m.from) }
        if config.readOnlyOption == .safe && !m.context.isEmpty {
            confirmReadIndex(from: m.from, context: m.context)
        }
    }

    // MARK: Snapshots and reachability (reported by the application)

    func reportSnapshot(_ nid: NodeID, failed: Bool) {
        guard role == .leader, var pr = tracker.progress[nid], pr.state == .snapshot else { return }
        if failed { pr.pendingSnapshot = 0 }
        pr.becomeProbe()
        // Wait for a heartbeat response (or the append response) before probing again.
        pr.probeSent = true
        tracker.progress[nid] = pr
    }

    func reportUnreachable(_ nid: NodeID) {
        guard role == .leader, var pr = tracker.progress[nid] else { return }
        // Optimistic sends were probably lost: fall back to probing.
        if pr.state == .replicate { pr.becomeProbe() }
        tracker.progress[nid] = pr
    }

    // MARK: Check quorum

    func checkQuorumActive() {
        if !tracker.quorumActive(selfID: id) {
            becomeFollower(term: term, lead: .none)
        }
        for nid in tracker.sortedIDs where nid != id { tracker.progress[nid]!.recentActive = false }
    }

    // MARK: Leadership transfer

    private func handleTransferLeader(_ m: Message) {
        let transferee = m.from
        guard let pr = tracker.progress[transferee], !pr.isLearner, tracker.isVoter(transferee) else { return }
        if !leadTransferee.isNone {
            if leadTransferee == transferee { return }
            abortLeaderTransfer()
        }
        if transferee == id { return }
        beginTransfer(to: transferee)
    }

    func beginTransfer(to transferee: NodeID) {
        // The transfer must finish within an election timeout (checked in tickHeartbeat).
        electionElapsed = 0
        leadTransferee = transferee
        if tracker.progress[transferee]?.match == log.lastIndex {
            sendTimeoutNow(to: transferee)
        } else {
            sendAppend(to: transferee)
        }
    }

    /// Tells the caught-up transferee to campaign now. A leader that is no longer a voter then
    /// steps down: nobody of the new configuration would ever tell it about the next term.
    private func sendTimeoutNow(to transferee: NodeID) {
        send(Message(type: .timeoutNow, to: transferee))
        if !isVoterSelf { becomeFollower(term: term, lead: .none) }
    }

    func abortLeaderTransfer() { leadTransferee = .none }
}
