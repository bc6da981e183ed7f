// Computes the configuration (and progress map) that results from a membership change,
// without touching the tracker until the change is known to be valid.

struct ConfChanger {
    var config: TrackerConfig
    var progress: [NodeID: Progress]
    let lastIndex: LogIndex
    let maxInflight: Int

    init(tracker: ProgressTracker, lastIndex: LogIndex) {
        config = tracker.config
        progress = tracker.progress
        self.lastIndex = lastIndex
        maxInflight = tracker.maxInflight
    }

    typealias Result = (TrackerConfig, [NodeID: Progress])

    /// Enters a joint configuration: the current voters become the outgoing half, the changes
    /// are applied to the incoming half.
    mutating func enterJoint(autoLeave: Bool, _ changes: [ConfChangeSingle]) throws -> Result {
        guard !config.voters.isJoint else { throw RaftError.invalidConfChange("config is already joint") }
        guard !config.voters.incoming.ids.isEmpty else {
            throw RaftError.invalidConfChange("can't make a zero-voter config joint")
        }
        config.voters.outgoing = config.voters.incoming
        try apply(changes)
        config.autoLeave = autoLeave
        try check()
        return (config, progress)
    }

    /// Leaves a joint configuration: the outgoing half is dropped, learnersNext become learners.
    mutating func leaveJoint() throws -> Result {
        guard config.voters.isJoint else { throw RaftError.invalidConfChange("can't leave a non-joint config") }
        for id in config.learnersNext.sorted() {
            config.learners.insert(id)
            progress[id]?.isLearner = true
        }
        config.learnersNext = []
        for id in config.voters.outgoing.ids.sorted()
        where !config.voters.incoming.ids.contains(id) && !config.learners.contains(id) {
            progress[id] = nil
        }
        config.voters.outgoing = MajorityConfig()
        config.autoLeave = false
        try check()
        return (config, progress)
    }

    /// A single-step change: at most one voter may be added or removed.
    mutating func simple(_ changes: [ConfChangeSingle]) throws -> Result {
        guard !config.voters.isJoint else {
            throw RaftError.invalidConfChange("can't apply a simple change in a joint config")
        }
        let before = config.voters.incoming.ids
        try apply(changes)
        if before.symmetricDifference(config.voters.incoming.ids).count > 1 {
            throw RaftError.invalidConfChange("more than one voter changed without joint consensus")
        }
        try check()
        return (config, progress)
    }

    /// Rebuilds a configuration from a ConfState (restart or snapshot).
    static func restore(_ cs: ConfState, tracker: ProgressTracker, lastIndex: LogIndex) throws -> Result {
        var empty = tracker
        empty.config = TrackerConfig()
        empty.progress = [:]
        var c = ConfChanger(tracker: empty, lastIndex: lastIndex)
        if cs.votersOutgoing.isEmpty {
            try c.apply(cs.voters.map { .init(type: .addNode, nodeID: $0) }
                + cs.learners.map { .init(type: .addLearnerNode, nodeID: $0) })
            return (c.config, c.progress)
        }
        // Build the outgoing half first, then enter the joint config towards the incoming half.
        try c.apply(cs.votersOutgoing.map { .init(type: .addNode, nodeID: $0) })
        var incoming: [ConfChangeSingle] = cs.votersOutgoing.map { .init(type: .removeNode, nodeID: $0) }
        incoming += cs.voters.map { .init(type: .addNode, nodeID: $0) }
        incoming += cs.learners.map { .init(type: .addLearnerNode, nodeID: $0) }
        incoming += cs.learnersNext.map { .init(type: .addLearnerNode, nodeID: $0) }
        return try c.enterJoint(autoLeave: cs.autoLeave, incoming)
    }

    private mutating func apply(_ changes: [ConfChangeSingle]) throws {
        for cc in changes where !cc.nodeID.isNone {
            switch cc.type {
            case .addNode: makeVoter(cc.nodeID)
            case .addLearnerNode: makeLearner(cc.nodeID)
            case .removeNode: remove(cc.nodeID)
            case .updateNode: break
            }
        }
        if config.voters.incoming.ids.isEmpty && !changes.isEmpty {
            throw RaftError.invalidConfChange("removed all voters")
        }
    }

    private mutating func makeVoter(_ id: NodeID) {
        if progress[id] == nil {
            addProgress(id, isLearner: false)
        } else {
            progress[id]!.isLearner = false
        }
        config.learners.remove(id)
        config.learnersNext.remove(id)
        config.voters.incoming.ids.insert(id)
    }

    private mutating func makeLearner(_ id: NodeID) {
        guard let pr = progress[id] else {
            addProgress(id, isLearner: true)
            config.learners.insert(id)
            return
        }
        if pr.isLearner { return }
        // A voter becomes a learner: drop it as a voter but keep its progress.
        remove(id)
        progress[id] = pr
        if config.voters.outgoing.ids.contains(id) {
            // Still a voter of the outgoing half: becomes a learner when leaving joint.
            config.learnersNext.insert(id)
        } else {
            progress[id]!.isLearner = true
            config.learners.insert(id)
        }
    }

    private mutating func remove(_ id: NodeID) {
        config.voters.incoming.ids.remove(id)
        config.learners.remove(id)
        config.learnersNext.remove(id)
        // The outgoing half still needs its progress until the joint config is left.
        if !config.voters.outgoing.ids.contains(id) { progress[id] = nil }
    }

    private mutating func addProgress(_ id: NodeID, isLearner: Bool) {
        // Probe from the last index: a fresh node usually rejects, and the hint moves `next`
        // back in one round trip.
        var pr = Progress(next: max(lastIndex, 1), maxInflight: maxInflight, isLearner: isLearner)
        // New peers count as active so check-quorum does not depose the leader before they
        // had a chance to answer.
        pr.recentActive = true
        progress[id] = pr
    }

    private func check() throws {
        for id in config.voters.allIDs where progress[id] == nil {
            throw RaftError.invalidConfChange("no progress for voter \(id)")
        }
        for id in config.learners {
            guard progress[id]?.isLearner == true else { throw RaftError.invalidConfChange("learner \(id) inconsistent") }
            if config.voters.incoming.ids.contains(id) || config.voters.outgoing.ids.contains(id) {
                throw RaftError.invalidConfChange("\(id) is both learner and voter")
            }
        }
        for id in config.learnersNext {
            guard config.voters.outgoing.ids.contains(id) else {
                throw RaftError.invalidConfChange("learnerNext \(id) is not an outgoing voter")
            }
        }
        if !config.voters.isJoint && (!config.learnersNext.isEmpty || config.autoLeave) {
            throw RaftError.invalidConfChange("learnersNext/autoLeave outside a joint config")
        }
    }
}
