// The leader's view of one follower's log: `match` is known to be replicated, `next` is the
// next index to send. The state decides how eagerly the leader sends.

struct Progress {
    var match: LogIndex = 0
    var next: LogIndex
    var state: ProgressState = .probe
    /// Index of the snapshot in flight (snapshot state only).
    var pendingSnapshot: LogIndex = 0
    /// Heard from since the last check-quorum round.
    var recentActive = false
    /// Probe state: an append was sent and nothing has been heard since (paused until a
    /// response or heartbeat response).
    var probeSent = false
    var inflights: Inflights
    var isLearner: Bool

    init(next: LogIndex, maxInflight: Int, isLearner: Bool) {
        self.next = next
        inflights = Inflights(capacity: maxInflight)
        self.isLearner = isLearner
    }

    private mutating func resetState(_ s: ProgressState) {
        probeSent = false
        pendingSnapshot = 0
        state = s
        inflights.reset()
    }

    mutating func becomeProbe() {
        // After a snapshot, resume right after it: the follower is known to have it once it
        // reports success, and probing from there avoids resending it.
        if state == .snapshot {
            let pending = pendingSnapshot
            resetState(.probe)
            next = max(match + 1, pending + 1)
        } else {
            resetState(.probe)
            next = match + 1
        }
    }

    mutating func becomeReplicate() {
        resetState(.replicate)
        next = match + 1
    }

    mutating func becomeSnapshot(_ index: LogIndex) {
        resetState(.snapshot)
        pendingSnapshot = index
    }

    /// An acknowledgement up to `n`. Returns false when it was stale.
    mutating func maybeUpdate(_ n: LogIndex) -> Bool {
        var updated = false
        if match < n {
            match = n
            updated = true
            probeSent = false
        }
        next = max(next, n + 1)
        return updated
    }

    mutating func optimisticUpdate(_ n: LogIndex) { next = n + 1 }

    /// A rejection of the append after `rejected`; `hint` is the highest index that might
    /// match. Returns false when the rejection is stale.
    mutating func maybeDecrTo(rejected: LogIndex, hint: LogIndex) -> Bool {
        if state == .replicate {
            // Stale if the rejected index is already known to match.
            if rejected <= match { return false }
            next = match + 1
            return true
        }
        // Probe/snapshot: only the rejection of the last probe counts.
        if next - 1 != rejected { return false }
        next = max(min(rejected, hint + 1), LogIndex(1))
        probeSent = false
        return true
    }

    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    var status: ProgressStatus {
        ProgressStatus(match: match, next: next, state: state, isLearner: isLearner,
                       recentActive: recentActive, pendingSnapshot: pendingSnapshot, inflight: inflights.count)
    }
}
