import EtcdAPI
import Foundation
import GRPC
import KVStore
import Raft

/// Membership changes with etcd 3.4's semantics: the Cluster RPCs propose a configuration change
/// through Raft (after the strict reconfiguration checks), every member validates and applies it
/// in log order, and the membership is stored in the backend with the entry that changed it.
extension EtcdMember {
    /// etcd's HealthInterval: a peer counts as connected once its connection is this old.
    static let healthIntervalMilliseconds: UInt64 = 5000
    /// A learner may be promoted once its log matches 90% of the leader's.
    static let learnerReadyFraction = 0.9

    // MARK: Hooks

    /// Wires the transport to the membership: removed members are refused (and a removed
    /// member told so stops), joining members get the membership on request.
    func installMembershipHooks() {
        transport.isRemoved = { [unowned self] in membership.removed.contains($0) }
        transport.membershipSummary = { [unowned self] in
            guard !membership.members.isEmpty else { return nil }
            return MembershipSummary(clusterID: clusterID, members: membership.sorted).encoded()
        }
        transport.onRejected = { [unowned self] _, reason in
            if reason == PeerReceiver.memberRemovedReason { removedFromCluster() }
        }
    }

    /// Reads the membership from the (new) backend and points the transport at it: for the
    /// snapshot installer, once the backend was replaced by the leader's.
    public func reloadMembershipFromBackend() {
        membership.reload(from: store)
        membershipReplayBoundary = LogIndex(store.consistentIndex)
        for m in membership.sorted where m.id != memberID { transport.setPeer(m.id, urls: m.peerURLs) }
        for peer in transport.peers where membership.members[peer] == nil {
            if membership.removed.contains(peer) { transport.disconnectRemoved(peer) } else { transport.removePeer(peer) }
        }
        if membership.removed.contains(memberID) { removedFromCluster() }
    }

    // MARK: The Cluster RPCs

    /// MemberAdd: the new member's ID is computed as etcd computes it for an added member (its
    /// peer URLs and the current time).
    func addMember(peerURLs: [String], isLearner: Bool, timeoutMilliseconds: UInt64?,
                   completion: @escaping (Result<Member, EtcdError>) -> Void) {
        guard let urls = Self.validatedPeerURLs(peerURLs) else { return completion(.failure(.badMemberURLs)) }
        let seconds = String(Int64(Date().timeIntervalSince1970))
        let added = Member(id: Member.computeID(peerURLs: urls, clusterToken: seconds), name: "", peerURLs: urls,
                           clientURLs: [], isLearner: isLearner)
        if let refusal = mayAddMember(added) { return completion(.failure(refusal)) }
        configure(isLearner ? .addLearnerNode : .addNode, added, timeoutMilliseconds: timeoutMilliseconds) { result in
            completion(result.map { added })
        }
    }

    func removeMember(_ id: NodeID, timeoutMilliseconds: UInt64?, completion: @escaping (Result<Void, EtcdError>) -> Void) {
        if let refusal = mayRemoveMember(id) { return completion(.failure(refusal)) }
        configure(.removeNode, Member(id: id, name: "", peerURLs: [], clientURLs: []),
                  timeoutMilliseconds: timeoutMilliseconds, completion: completion)
    }

    func updateMember(_ id: NodeID, peerURLs: [String], timeoutMilliseconds: UInt64?,
                      completion: @escaping (Result<Void, EtcdError>) -> Void) {
        guard let urls = Self.validatedPeerURLs(peerURLs) else { return completion(.failure(.badMemberURLs)) }
        configure(.updateNode, Member(id: id, name: "", peerURLs: urls, clientURLs: []),
                  timeoutMilliseconds: timeoutMilliseconds, completion: completion)
    }

    /// MemberPromote, on the leader only (only it knows how far the learner's log is).
    func promoteMember(_ id: NodeID, timeoutMilliseconds: UInt64?, completion: @escaping (Result<Void, EtcdError>) -> Void) {
        precondition(isLeader, "the Cluster service forwards promotions to the leader")
        let status = node.status()
        if let learner = status.progress[id], let own = status.progress[memberID],
           Double(learner.match.rawValue) < Double(own.match.rawValue) * Self.learnerReadyFraction {
            return completion(.failure(.learnerNotReady))
        }
        if options.strictReconfigCheck, !membership.readyToPromote() {
            log.warn("rejecting member promote request; not enough healthy members", ["requested-member-remove-id": .string(hex(id))])
            return completion(.failure(.notEnoughStartedMembers))
        }
        configure(.addNode, Member(id: id, name: "", peerURLs: [], clientURLs: []), isPromote: true,
                  timeoutMilliseconds: timeoutMilliseconds, completion: completion)
    }

    /// etcd's types.NewURLs: every URL valid, none with a path, sorted.
    static func validatedPeerURLs(_ urls: [String]) -> [String]? {
        guard !urls.isEmpty else { return nil }
        var parsed: [String] = []
        for url in urls {
            guard let u = try? EtcdURL.parse(url), !u.isUnix else { return nil }
            parsed.append(u.description)
        }
        return parsed.sorted()
    }

    // MARK: Strict reconfiguration checks (etcd's mayAddMember / mayRemoveMember)

    private func mayAddMember(_ added: Member) -> EtcdError? {
        guard options.strictReconfigCheck else { return nil }
        if !added.isLearner, !membership.readyToAddVoter() {
            log.warn("rejecting member add request; not enough healthy members", ["requested-member-add": .string(hex(added.id))])
            return .notEnoughStartedMembers
        }
        let voters = membership.voters.map(\.id)
        if connectedLongEnough(among: voters) < voters.count {
            log.warn("rejecting member add request; local member has not been connected to all peers, reconfigure breaks active quorum",
                     ["requested-member-add": .string(hex(added.id))])
            return .unhealthy
        }
        return nil
    }

    private func mayRemoveMember(_ id: NodeID) -> EtcdError? {
        guard options.strictReconfigCheck else { return nil }
        if membership.members[id]?.isLearner == true { return nil }  // a learner is no part of the quorum
        if !membership.readyToRemoveVoter(id) {
            log.warn("rejecting member remove request; not enough healthy members", ["requested-member-remove-id": .string(hex(id))])
            return .notEnoughStartedMembers
        }
        // A member that is down is no part of the active quorum: removing it is safe.
        if id != memberID, transport.activeSince(id) == nil { return nil }
        let voters = membership.voters.map(\.id)
        let active = connectedLongEnough(among: voters)
        if active - 1 < 1 + (voters.count - 1) / 2 {
            log.warn("rejecting member remove request; local member has not been connected to all peers, reconfigure breaks active quorum",
                     ["requested-member-remove": .string(hex(id)), "active-peers": .int(Int64(active))])
            return .unhealthy
        }
        return nil
    }

    /// How many of `ids` this member has been connected to for the health interval (itself
    /// included).
    func connectedLongEnough(among ids: [NodeID]) -> Int {
        let now = loop.nowMilliseconds
        return ids.filter { id in
            if id == memberID { return true }
            guard let active = transport.activeSince(id) else { return false }
            return now >= active && now - active >= Self.healthIntervalMilliseconds
        }.count
    }

    // MARK: Proposing and applying

    /// Proposes one configuration change and waits for it to be applied (or refused when applied).
    /// Without a leader (an election is running) it waits for one first, as etcd's proposals do.
    private func configure(_ type: ConfChangeType, _ member: Member, isPromote: Bool = false, timeoutMilliseconds: UInt64?,
                           completion: @escaping (Result<Void, EtcdError>) -> Void) {
        guard !isStopped else { return completion(.failure(.stopped)) }
        guard !confChangeWaiters.isFull else { return completion(.failure(.tooManyRequests)) }
        let timeout = min(timeoutMilliseconds ?? options.requestTimeoutMilliseconds, options.requestTimeoutMilliseconds)
        guard leader != .none else {
            guard timeout > options.heartbeatIntervalMilliseconds else { return completion(.failure(.noLeader)) }
            loop.schedule(afterMilliseconds: options.heartbeatIntervalMilliseconds) { [weak self] in
                guard let self else { return }
                configure(type, member, isPromote: isPromote, timeoutMilliseconds: timeout - options.heartbeatIntervalMilliseconds,
                          completion: completion)
            }
            return
        }
        let id = requestIDs.next()
        let context = ConfChangeContext(requestID: id, member: member, isPromote: isPromote)
        let change = ConfChange(type, member.id, context: context.encoded())
        let encoded = change.encoded()
        do {
            try node.proposeConfChange(change)
        } catch {
            return completion(.failure(leader == .none ? .noLeader : .proposalDropped))
        }
        confChangeWaiters.register(id: id, deadlineMilliseconds: loop.nowMilliseconds + timeout,
                                   fingerprint: CRC32Castagnoli.checksum(encoded)) { result in
            completion(result.map { _ in () })
        }
    }

    /// Fails the configuration changes whose deadline passed.
    func expireConfChanges(nowMilliseconds: UInt64) {
        for completion in confChangeWaiters.takeExpired(nowMilliseconds: nowMilliseconds) {
            completion(.failure(leader == .none ? .noLeader : .requestTimedOut))
        }
    }

    func failConfChanges(_ error: EtcdError) {
        for completion in confChangeWaiters.takeAll() { completion(.failure(error)) }
    }

    /// Applies a committed configuration change entry. A change is checked against the applied
    /// membership first (two proposals may have raced); a refused one changes nothing, in Raft
    /// either, exactly as on every other member.
    func applyConfChangeEntry(_ entry: Entry) {
        defer { store.markApplied(index: entry.index.rawValue) }
        guard let change = try? ConfChange(decoding: entry.data) else {
            log.warn("skipping an undecodable configuration change", ["index": .int(Int64(entry.index.rawValue))])
            return
        }
        guard change.changes.count == 1, let single = change.changes.first else {
            confState = node.applyConfChange(change)  // joint-consensus steps carry no member
            return
        }
        let context = ConfChangeContext.decode(change.context, nodeID: single.nodeID)
            ?? ConfChangeContext(requestID: 0, member: Member(id: single.nodeID, name: "", peerURLs: [], clientURLs: []), isPromote: false)
        let waiter = context.requestID == 0 ? nil
            : confChangeWaiters.take(id: context.requestID, fingerprint: CRC32Castagnoli.checksum(entry.data))
        if entry.index <= membershipReplayBoundary {
            // The backend already holds this change's outcome (a replay after a restart): only
            // Raft's configuration needs it again, if it was applied the first time.
            if replayedChangeWasApplied(single, context) { confState = node.applyConfChange(change) }
            return
        }
        if let error = membership.validate(single.type, context) {
            log.warn("rejected a membership change", ["member-id": .string(hex(single.nodeID)), "error": .string(error.message)])
            waiter?(.failure(error))
            return
        }
        confState = node.applyConfChange(change)
        membership.apply(single.type, context)
        logAppliedChange(single.type, context)
        updatePeers(single.type, single.nodeID)
        waiter?(.success(.membership))
    }

    /// For an entry replayed after a restart, whether applying it the first time changed the
    /// configuration: the backend's membership is from after it, Raft's configuration from before.
    private func replayedChangeWasApplied(_ single: ConfChangeSingle, _ context: ConfChangeContext) -> Bool {
        let id = single.nodeID
        let known = membership.members[id] != nil || membership.removed.contains(id)
        switch single.type {
        case .addNode, .addLearnerNode:
            if context.isPromote { return known && confState.learners.contains(id) }
            return known && !confState.voters.contains(id) && !confState.learners.contains(id)
        case .removeNode:
            return membership.removed.contains(id)
        case .updateNode:
            return known
        }
    }

    private func logAppliedChange(_ type: ConfChangeType, _ context: ConfChangeContext) {
        let id = hex(context.member.id)
        let cluster = String(clusterID, radix: 16)
        switch type {
        case .addNode where context.isPromote:
            log.info("promote member", ["cluster-id": .string(cluster), "local-member-id": .string(hex(memberID)), "promoted-member-id": .string(id)])
        case .addNode, .addLearnerNode:
            log.info("added member", ["cluster-id": .string(cluster), "local-member-id": .string(hex(memberID)),
                                      "added-peer-id": .string(id), "added-peer-peer-urls": .strings(context.member.peerURLs)])
        case .removeNode:
            log.info("removed member", ["cluster-id": .string(cluster), "local-member-id": .string(hex(memberID)), "removed-remote-peer-id": .string(id)])
        case .updateNode:
            log.info("updated member", ["cluster-id": .string(cluster), "local-member-id": .string(hex(memberID)),
                                        "updated-remote-peer-id": .string(id), "updated-remote-peer-urls": .strings(context.member.peerURLs)])
        }
    }

    private func updatePeers(_ type: ConfChangeType, _ id: NodeID) {
        if type == .removeNode {
            if id == memberID { return removedFromCluster() }
            return transport.disconnectRemoved(id)
        }
        if id != memberID, let m = membership.members[id] { transport.setPeer(id, urls: m.peerURLs) }
    }

    // MARK: Being removed

    /// This member was removed: it stops, as etcd does, after letting the change reach the
    /// others (a removed leader first hands over; Raft retries that each election timeout).
    func removedFromCluster() {
        guard !removalScheduled else { return }
        removalScheduled = true
        log.warn("the member has been permanently removed from the cluster", ["local-member-id": .string(hex(memberID))])
        let deadline = loop.nowMilliseconds + max(1000, 3 * options.electionTimeoutMilliseconds)
        func check() {
            loop.schedule(afterMilliseconds: 100) { [weak self] in
                guard let self, !isStopped else { return }
                if isLeader && loop.nowMilliseconds < deadline { return check() }
                loop.schedule(afterMilliseconds: 1000) { [weak self] in
                    guard let self, !isStopped else { return }
                    log.warn("stopping: the member has been permanently removed from the cluster", [:])
                    onRemoved?()
                }
            }
        }
        check()
    }

    // MARK: Learners

    /// etcd 3.4 lets a learner serve Status and serializable Range only.
    /// `request` is nil for a stream (etcd refuses every stream on a learner).
    func learnerRefusal(for request: Any?) -> GRPCStatus? {
        guard membership.members[memberID]?.isLearner == true else { return nil }
        if request is Etcdserverpb_StatusRequest { return nil }
        if let range = request as? Etcdserverpb_RangeRequest, range.serializable { return nil }
        return EtcdError.notSupportedForLearner.status
    }
}
