import Foundation
import KVStore
import Raft

/// The membership the member has applied: current members and removed IDs, kept in the backend
/// (see `KVStore.membershipRecords`) so that it survives restarts and log compaction and travels
/// with backend snapshots. Also etcd's rules for which changes are valid and which keep a quorum
/// of started members (api/membership/cluster.go).
final class MembershipStore {
    private(set) var members: [NodeID: Member] = [:]
    /// IDs removed from the cluster: never reused, their messages are refused.
    private(set) var removed: Set<NodeID> = []
    /// Replaced by `reload(from:)` when the member's backend is (a leader's snapshot).
    private var store: KVStore

    /// etcd 3.4 allows one learner at a time.
    static let maxLearners = 1

    init(store: KVStore) {
        self.store = store
        reload(from: store)
    }

    /// Reads the membership from `store` (at start, or after the backend was replaced by a
    /// snapshot from the leader); later changes are written there.
    func reload(from store: KVStore) {
        self.store = store
        let records = store.membershipRecords()
        members = [:]
        for (id, data) in records.members {
            guard var member = MemberCodec.decode([UInt8](data)) else { continue }
            member.id = NodeID(rawValue: id)
            members[member.id] = member
        }
        removed = Set(records.removed.map { NodeID(rawValue: $0) })
    }

    var voters: [Member] { members.values.filter { !$0.isLearner }.sorted { $0.id < $1.id } }
    var sorted: [Member] { members.values.sorted { $0.id < $1.id } }

    /// etcd calls a member started once it published its name.
    static func isStarted(_ m: Member) -> Bool { !m.name.isEmpty }

    // MARK: Validation (etcd's ValidateConfigurationChange)

    func validate(_ type: ConfChangeType, _ context: ConfChangeContext) -> EtcdError? {
        let id = context.member.id
        if removed.contains(id) { return .memberNotFound }
        switch type {
        case .addNode, .addLearnerNode:
            if context.isPromote {
                guard let existing = members[id] else { return .memberNotFound }
                return existing.isLearner ? nil : .memberNotLearner
            }
            if members[id] != nil { return .memberExists }
            let taken = Set(members.values.flatMap(\.peerURLs))
            if context.member.peerURLs.contains(where: taken.contains) { return .peerURLExists }
            if type == .addLearnerNode, members.values.filter(\.isLearner).count + 1 > Self.maxLearners {
                return .tooManyLearners
            }
            return nil
        case .removeNode:
            return members[id] == nil ? .memberNotFound : nil
        case .updateNode:
            guard members[id] != nil else { return .memberNotFound }
            let taken = Set(members.values.filter { $0.id != id }.flatMap(\.peerURLs))
            return context.member.peerURLs.contains(where: taken.contains) ? .peerURLExists : nil
        }
    }

    // MARK: Applying (written to the backend in the applying entry's batch)

    func apply(_ type: ConfChangeType, _ context: ConfChangeContext) {
        let id = context.member.id
        switch type {
        case .addNode, .addLearnerNode:
            if context.isPromote {
                members[id]?.isLearner = false
            } else {
                var member = context.member
                member.isLearner = type == .addLearnerNode
                members[id] = member
            }
        case .removeNode:
            members.removeValue(forKey: id)
            removed.insert(id)
            store.removeMemberRecord(id: id.rawValue)
            return
        case .updateNode:
            members[id]?.peerURLs = context.member.peerURLs
        }
        persist(id)
    }

    /// A member published its name and client URLs (ignored for removed or unknown members).
    func updateAttributes(_ id: NodeID, name: String, clientURLs: [String]) {
        guard members[id] != nil else { return }
        members[id]?.name = name
        members[id]?.clientURLs = clientURLs
        persist(id)
    }

    private func persist(_ id: NodeID) {
        guard let member = members[id] else { return }
        store.saveMemberRecord(id: id.rawValue, Data(MemberCodec.encode(member)))
    }

    // MARK: Quorum of started members (strict reconfiguration check)

    /// Adding a voter must leave a quorum of started voters (the new one counts as not started);
    /// a one-member cluster may always add a second (etcd's restore procedure).
    func readyToAddVoter() -> Bool {
        let total = voters.count + 1
        let started = voters.filter(Self.isStarted).count
        if started == 1 && total == 2 { return true }
        return started >= total / 2 + 1
    }

    func readyToRemoveVoter(_ id: NodeID) -> Bool {
        let rest = voters.filter { $0.id != id }
        return rest.filter(Self.isStarted).count >= rest.count / 2 + 1
    }

    /// The learner counts as a started voter.
    func readyToPromote() -> Bool {
        let total = voters.count + 1
        let started = voters.filter(Self.isStarted).count + 1
        return started >= total / 2 + 1
    }
}
