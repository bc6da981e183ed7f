// The membership configuration plus the leader's per-follower progress and the votes of the
// current election. Peers are always visited in sorted id order so behaviour never depends on
// dictionary order.

struct TrackerConfig: Equatable {
    var voters = JointConfig()
    var learners: Set<NodeID> = []
    /// Voters of the outgoing half that become learners when the joint config is left.
    var learnersNext: Set<NodeID> = []
    var autoLeave = false

    var confState: ConfState {
        ConfState(voters: voters.incoming.sorted, learners: learners.sorted(),
                  votersOutgoing: voters.outgoing.sorted, learnersNext: learnersNext.sorted(),
                  autoLeave: autoLeave)
    }
}

struct ProgressTracker {
    var config = TrackerConfig()
    var progress: [NodeID: Progress] = [:]
    var votes: [NodeID: Bool] = [:]
    let maxInflight: Int
    /// removedNodeCountsInQuorum canary: removed voters whose acks are still counted.
    var ghostVoters: Set<NodeID> = []

    init(maxInflight: Int) { self.maxInflight = maxInflight }

    var sortedIDs: [NodeID] { progress.keys.sorted() }
    var isJoint: Bool { config.voters.isJoint }
    var isSingleton: Bool { config.voters.incoming.count == 1 && !config.voters.isJoint }

    func isVoter(_ id: NodeID) -> Bool { config.voters.allIDs.contains(id) }

    /// The highest index replicated on a quorum of voters.
    func committed() -> LogIndex {
        let ghosts = ghostVoters.sorted().compactMap { progress[$0]?.match }
        return config.voters.committedIndex({ progress[$0]?.match }, extra: ghosts)
    }

    /// Whether a quorum was heard from recently (the leader counts itself).
    func quorumActive(selfID: NodeID) -> Bool {
        var active: [NodeID: Bool] = [:]
        for (id, pr) in progress where !pr.isLearner { active[id] = pr.recentActive || id == selfID }
        return config.voters.voteResult(active) == .won
    }

    mutating func resetVotes() { votes = [:] }

    mutating func recordVote(_ id: NodeID, granted: Bool) {
        if votes[id] == nil { votes[id] = granted }
    }

    func tally() -> (granted: Int, rejected: Int, result: VoteResult) {
        var granted = 0
        var rejected = 0
        for id in config.voters.allIDs {
            switch votes[id] {
            case .some(true): granted += 1
            case .some(false): rejected += 1
            case .none: break
            }
        }
        // Canary: removed voters' granted votes still count toward the incoming majority.
        let ghostYes = ghostVoters.filter { votes[$0] == true }.count
        return (granted, rejected, config.voters.voteResult(votes, extraYes: ghostYes))
    }
}
