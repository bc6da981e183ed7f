// Applying membership changes once their entry is committed (§6 and the thesis' joint
// consensus), and what the leader does about them.

extension Raft {
    /// Applies a committed ConfChange. An invalid change leaves the configuration as it is
    /// (every member sees the same change against the same config, so all agree to ignore it).
    func applyConfChange(_ cc: ConfChange) -> ConfState {
        var changer = ConfChanger(tracker: tracker, lastIndex: log.lastIndex)
        let result: ConfChanger.Result
        do {
            if cc.isLeaveJoint {
                result = try changer.leaveJoint()
            } else {
                let (joint, autoLeave) = cc.entersJoint()
                result = joint ? try changer.enterJoint(autoLeave: autoLeave, cc.changes) : try changer.simple(cc.changes)
            }
        } catch {
            return tracker.config.confState
        }
        switchToConfig(result.0, progress: result.1)
        return tracker.config.confState
    }

    private func switchToConfig(_ cfg: TrackerConfig, progress: [NodeID: Progress]) {
        let oldVoters = tracker.config.voters.allIDs
        tracker.config = cfg
        tracker.progress = progress
        trackGhosts(oldVoters: oldVoters)

        guard role == .leader else { return }
        if !isVoterSelf {
            // Removed (or demoted) leader. Stepping down at once could strand the others: they
            // may not know yet that this change committed, and until they do they cannot elect
            // anyone without us. So keep leading (heartbeats carry the commit index; we no
            // longer count ourselves and accept no proposals) and hand over to the most
            // up-to-date remaining voter; retried each election timeout (see tickHeartbeat).
            handOverLeadership()
            // The transferee may already be caught up: then we just stepped down.
            guard role == .leader else { return }
        }
        // The quorum may have changed: commit what the new config allows.
        if maybeCommit() {
            bcastAppend()
        } else {
            for nid in replicationTargets { maybeSendAppend(to: nid, sendIfEmpty: false) }
        }
        if !leadTransferee.isNone && !tracker.isVoter(leadTransferee) { abortLeaderTransfer() }
    }

    /// Whether this node counts as a voter of the current configuration.
    var isVoterSelf: Bool { tracker.isVoter(id) && tracker.progress[id]?.isLearner == false }

    /// A leader that is no longer a voter transfers leadership to the remaining voter with the
    /// highest match (lowest id on ties).
    func handOverLeadership() {
        guard role == .leader, !isVoterSelf, leadTransferee.isNone else { return }
        let candidates = tracker.config.voters.allIDs.sorted().filter { $0 != id }
        guard let best = candidates.max(by: { (tracker.progress[$0]?.match ?? 0, $1) < (tracker.progress[$1]?.match ?? 0, $0) })
        else { return }
        beginTransfer(to: best)
    }

    /// removedNodeCountsInQuorum canary: keep the progress of removed voters so their votes
    /// (and any acknowledgement still in flight) go on counting. Without the canary, no ghosts
    /// exist.
    private func trackGhosts(oldVoters: Set<NodeID>) {
        guard canary == .removedNodeCountsInQuorum else { return }
        // Voters that were removed or demoted to learners both count as ghosts.
        var ghosts = tracker.ghostVoters.union(oldVoters).subtracting(tracker.config.voters.allIDs)
        ghosts.remove(id)
        tracker.ghostVoters = ghosts
        for nid in ghosts.sorted() where tracker.progress[nid] == nil {
            tracker.progress[nid] = Progress(next: log.lastIndex + 1, maxInflight: tracker.maxInflight, isLearner: false)
        }
    }

    /// After the entry that entered an auto-leave joint config is applied, the leader proposes
    /// the empty change that leaves it.
    func maybeAutoLeaveJoint() {
        guard role == .leader, tracker.isJoint, tracker.config.autoLeave,
              log.applied >= pendingConfIndex, leadTransferee.isNone else { return }
        let leave = Entry(term: 0, index: 0, type: .confChange, data: ConfChange().encoded())
        // Not subject to the uncommitted bound: nothing else would retry it.
        _ = appendEntries([leave], bypassUncommittedBound: true)
        pendingConfIndex = log.lastIndex
        bcastAppend()
    }
}
