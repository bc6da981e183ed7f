// Majority arithmetic. A majority config is a set of voters; a joint config needs a majority
// of both its incoming and its outgoing halves.

enum VoteResult: Equatable {
    case pending, lost, won
}

struct MajorityConfig: Equatable {
    var ids: Set<NodeID> = []

    var sorted: [NodeID] { ids.sorted() }
    var count: Int { ids.count }
    var quorum: Int { ids.count / 2 + 1 }

    /// The largest index acknowledged by a quorum. `extra` are additional acknowledgements
    /// counted in (only the removedNodeCountsInQuorum canary passes any).
    func committedIndex(_ match: (NodeID) -> LogIndex?, extra: [LogIndex] = []) -> LogIndex {
        // An empty config accepts everything, so that a joint config with an empty half is
        // decided by the other half alone.
        guard !ids.isEmpty else { return .max }
        var acked = ids.map { match($0) ?? 0 } + extra
        acked.sort(by: >)
        return acked[quorum - 1]
    }

    /// `extraYes` are additional granted votes (only the removedNodeCountsInQuorum canary).
    func voteResult(_ votes: [NodeID: Bool], extraYes: Int = 0) -> VoteResult {
        guard !ids.isEmpty else { return .won }
        var yes = extraYes
        var missing = 0
        for id in ids {
            switch votes[id] {
            case .some(true): yes += 1
            case .some(false): break
            case .none: missing += 1
            }
        }
        if yes >= quorum { return .won }
        if yes + missing >= quorum { return .pending }
        return .lost
    }
}

struct JointConfig: Equatable {
    var incoming = MajorityConfig()
    var outgoing = MajorityConfig()

    var isJoint: Bool { !outgoing.ids.isEmpty }
    var allIDs: Set<NodeID> { incoming.ids.union(outgoing.ids) }

    func committedIndex(_ match: (NodeID) -> LogIndex?, extra: [LogIndex] = []) -> LogIndex {
        min(incoming.committedIndex(match, extra: extra), outgoing.committedIndex(match))
    }

    func voteResult(_ votes: [NodeID: Bool], extraYes: Int = 0) -> VoteResult {
        let a = incoming.voteResult(votes, extraYes: extraYes)
        let b = outgoing.voteResult(votes)
        if a == b { return a }
        if a == .lost || b == .lost { return .lost }
        return .pending
    }
}
