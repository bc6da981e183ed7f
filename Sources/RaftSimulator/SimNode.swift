import Raft

/// One simulated server: its disk survives crashes; everything else is process memory.
final class SimNode {
    let id: NodeID
    var disk: SimDisk
    /// The process, nil while crashed or stopped.
    var raw: RawNode?
    /// The written view the RawNode reads (rebuilt from disk on restart).
    var storage: SimStorage
    var sm = SimStateMachine()
    /// The configuration as of the last applied entry (or installed snapshot).
    var confState: ConfState
    var incarnation = 0
    /// Term and commit as of the last Ready, to check they only move forward.
    var term: UInt64 = 0
    var commit: UInt64 = 0
    var role: RaftRole = .follower
    /// Term of the last leadership seen in a Ready.
    var leaderTerm: UInt64 = 0
    var leader: NodeID = .none
    /// Highest term and commit ever synced, to check a restart does not go back.
    var durableTerm: UInt64 = 0
    var durableCommit: UInt64 = 0
    /// Tick at which a crashed node comes back.
    var restartAt: Int?
    /// Removed from the cluster for good (liveness phase).
    var stopped = false
    /// Peers this server has applied a removal of. Like etcd's peer transport, the network
    /// refuses their messages to this server (a removed member must not disrupt the cluster
    /// with its elections). Rebuilt by replay after a restart, as etcd's membership store is.
    var removedPeers: Set<UInt64> = []
    /// Canary votePersistedLate: a vote was sent unsynced; the fsync completes at this tick.
    var syncDueAt: Int?

    /// Initial members start as etcd's bootstrap leaves them: the first configuration both in
    /// the storage's configuration and as committed conf-change entries 1...n (so a server that
    /// joins later learns it by replaying the log). Joining servers start with nothing.
    init(id: NodeID, bootstrap: ConfState?) {
        self.id = id
        storage = SimStorage(confState: bootstrap ?? ConfState())
        if let cs = bootstrap {
            let entries = cs.voters.enumerated().map { k, v in
                Entry(term: 1, index: LogIndex(UInt64(k + 1)), type: .confChange,
                      data: ConfChange(.addNode, v).encoded())
            }
            let hs = HardState(term: 1, vote: .none, commit: LogIndex(UInt64(entries.count)))
            storage.apply(SimWriteBatch(snapshot: nil, entries: entries, hardState: hs))
        }
        disk = SimDisk(base: storage)
        confState = storage.snapshotMeta.confState
        term = storage.hardState.term.rawValue
        commit = storage.hardState.commit.rawValue
        durableTerm = term
        durableCommit = commit
    }

    var isUp: Bool { raw != nil }
}

extension ConfState {
    /// Voters of the incoming and outgoing configurations.
    var allVoters: [NodeID] {
        var out = voters
        for v in votersOutgoing where !out.contains(v) { out.append(v) }
        return out.sorted()
    }

    var members: [NodeID] {
        var out = allVoters
        for l in learners + learnersNext where !out.contains(l) { out.append(l) }
        return out.sorted()
    }
}
