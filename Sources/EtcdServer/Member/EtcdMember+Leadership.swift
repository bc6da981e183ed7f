import KVStore
import Raft

/// Moving the leadership: Maintenance.MoveLeader, and the hand-over a leader makes before it
/// stops (etcd's TransferLeadership on SIGTERM), so the cluster need not wait an election timeout.
extension EtcdMember {
    /// Asks Raft to hand leadership to `target` and waits until it has it (or the deadline).
    func moveLeader(to target: NodeID, timeoutMilliseconds: UInt64?, completion: @escaping (Result<Void, EtcdError>) -> Void) {
        guard isLeader else { return completion(.failure(.notTheLeader)) }
        guard let transferee = members[target], !transferee.isLearner else { return completion(.failure(.badLeaderTransferee)) }
        let started = loop.nowMilliseconds
        let timeout = min(timeoutMilliseconds ?? options.requestTimeoutMilliseconds, options.requestTimeoutMilliseconds)
        let deadline = started + timeout
        let previous = leader
        log.info("leadership transfer starting", [
            "local-member-id": .string(hex(memberID)), "current-leader-member-id": .string(hex(previous)),
            "transferee-member-id": .string(hex(target)),
        ])
        node.transferLeadership(to: target)
        loop.requestCheckPhase()
        func wait() {
            if leader == target {
                log.info("leadership transfer finished", [
                    "local-member-id": .string(hex(memberID)), "old-leader-member-id": .string(hex(previous)),
                    "new-leader-member-id": .string(hex(target)), "took": .string("\(loop.nowMilliseconds - started)ms"),
                ])
                return completion(.success(()))
            }
            guard !isStopped, loop.nowMilliseconds < deadline else { return completion(.failure(.leaderTransferTimedOut)) }
            loop.schedule(afterMilliseconds: options.heartbeatIntervalMilliseconds) { wait() }
        }
        wait()
    }

    /// Before stopping: a leader with other voters hands over to the most up-to-date connected
    /// one and waits (briefly) for it to take over; `done` runs in every case.
    public func handOverLeadershipBeforeStop(_ done: @escaping () -> Void) {
        guard isLeader, !isStopped else {
            if !isStopped {
                log.info("skipped leadership transfer; local server is not leader", [
                    "local-member-id": .string(hex(memberID)), "current-leader-member-id": .string(hex(leader)),
                ])
            }
            return done()
        }
        guard let transferee = bestTransferee() else {
            log.info("skipped leadership transfer for single voting member cluster", ["local-member-id": .string(hex(memberID))])
            return done()
        }
        moveLeader(to: transferee, timeoutMilliseconds: min(options.requestTimeoutMilliseconds, 3 * options.electionTimeoutMilliseconds)) { [weak self] result in
            if case .failure(let error) = result {
                self?.log.warn("failed to transfer leadership before stopping", ["error": .string(error.message)])
            }
            done()
        }
    }

    /// The connected voter with the longest log (ties: the longest connected).
    private func bestTransferee() -> NodeID? {
        let progress = node.status().progress
        let candidates = membership.voters.map(\.id).filter { $0 != memberID && transport.activeSince($0) != nil }
        return candidates.max { a, b in
            let (ma, mb) = (progress[a]?.match ?? 0, progress[b]?.match ?? 0)
            if ma != mb { return ma < mb }
            return (transport.activeSince(a) ?? .max) > (transport.activeSince(b) ?? .max)
        }
    }
}
