// §8 read-only queries: a ReadIndex is the commit index at the time of the request, valid once
// the leader has confirmed it is still the leader.

extension Raft {
    func leaderReadIndex(_ m: Message) {
        if canary == .readIndexWithoutQuorum {
            // Canary: answer at once, trusting leadership without asking anyone.
            respondReadIndex(index: log.committed, from: m.from, context: m.context)
            return
        }
        // Until an entry of this term commits, the commit index may be behind the true one —
        // even for the only voter: after a restart its durable commit index may lag entries it
        // had committed (and acknowledged) before the crash.
        guard log.termOrZero(log.committed) == term else {
            if pendingReadIndex.count < Self.pendingReadIndexLimit { pendingReadIndex.append(m) }
            return
        }
        // The only voter needs nobody's confirmation. (A removed or demoted leader whose
        // config has one voter left is not that voter: it must still ask.)
        if tracker.isSingleton && tracker.config.voters.incoming.ids.contains(id) {
            respondReadIndex(index: log.committed, from: m.from, context: m.context)
            return
        }
        serveReadIndex(m)
    }

    private func serveReadIndex(_ m: Message) {
        switch config.readOnlyOption {
        case .safe:
            guard readOnly.add(index: log.committed, from: m.from, context: m.context) else { return }
            confirmReadIndex(from: id, context: m.context)
            bcastHeartbeat()
        case .leaseBased:
            respondReadIndex(index: log.committed, from: m.from, context: m.context)
        }
    }

    func releasePendingReadIndex() {
        let waiting = pendingReadIndex
        pendingReadIndex = []
        for m in waiting { serveReadIndex(m) }
    }

    /// Records that `from` acknowledged the heartbeat carrying `context`; answers every
    /// request up to it once a quorum has.
    func confirmReadIndex(from: NodeID, context: [UInt8]) {
        guard let acks = readOnly.ack(from, context: context) else { return }
        guard tracker.config.voters.voteResult(acks) == .won else { return }
        for req in readOnly.confirm(through: context) {
            respondReadIndex(index: req.index, from: req.from, context: req.context)
        }
    }

    private func respondReadIndex(index: LogIndex, from: NodeID, context: [UInt8]) {
        if from.isNone || from == id {
            readStates.append(ReadState(index: index, requestContext: context))
        } else {
            send(Message(type: .readIndexResponse, to: from, index: index, context: context))
        }
    }
}
