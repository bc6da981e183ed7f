import Foundation
import Raft

/// Joining a running cluster (--initial-cluster-state=existing, no data yet): the member asks
/// the peers listed in --initial-cluster for the cluster's ID and membership, checks that the
/// membership is the one it was configured with (the member was added with `member add`), and
/// takes the ID the cluster gave it. It then starts with an empty log: the leader sends it
/// everything (or a snapshot).
extension EtcdMember {
    struct Joined {
        var identity: DurableRaftLog.Identity
        var members: [Member]
    }

    static func joinExistingCluster(_ options: MemberOptions, log: Logger) throws -> Joined {
        let own = Set(options.advertisePeerURLs)
        let remoteURLs = options.initialCluster.flatMap(\.peerURLs).filter { !own.contains($0) }
        let summary: MembershipSummary
        do {
            summary = try RemoteMembership.fetch(peerURLs: remoteURLs)
        } catch {
            throw JoinError.noClusterInformation(error.description)
        }
        let existing = summary.asMembers
        let local = options.initialCluster
        guard existing.count == local.count else {
            throw JoinError.memberCountUnequal(existing: existing.count, configured: local.count)
        }
        for m in existing where !local.contains(where: { $0.peerURLs.sorted() == m.peerURLs.sorted() }) {
            throw JoinError.noMatch(id: m.id, peerURLs: m.peerURLs)
        }
        guard let me = existing.first(where: { $0.peerURLs.sorted() == options.advertisePeerURLs.sorted() }) else {
            throw JoinError.notAdded(peerURLs: options.advertisePeerURLs)
        }
        // A member that already published its client URLs has run with a data dir of its own.
        guard me.clientURLs.isEmpty else { throw JoinError.alreadyBootstrapped(me.id) }
        log.info("joining an existing cluster", [
            "cluster-id": .string(String(summary.clusterID, radix: 16)), "local-member-id": .string(hex(me.id)),
            "members": .int(Int64(existing.count)), "is-learner": .bool(me.isLearner),
        ])
        return Joined(identity: .init(memberID: me.id, clusterID: summary.clusterID), members: existing)
    }

    /// A member bootstrapping a new cluster whose peers already run one in which this member
    /// published its client URLs has run before and lost its data: starting afresh would make it a
    /// second member with the same ID. Peers that do not answer (a normal first start) are no
    /// obstacle: one quick pass, as etcd's isMemberBootstrapped.
    static func refuseIfAlreadyBootstrapped(_ options: MemberOptions, localID: NodeID) throws {
        let own = Set(options.advertisePeerURLs)
        let remoteURLs = options.initialCluster.flatMap(\.peerURLs).filter { !own.contains($0) }
        guard !remoteURLs.isEmpty,
              let summary = try? RemoteMembership.fetch(peerURLs: remoteURLs, timeoutMilliseconds: 500, totalMilliseconds: 0)
        else { return }
        if let me = summary.members.first(where: { $0.id == localID.rawValue }), !me.clientURLs.isEmpty {
            throw JoinError.alreadyBootstrapped(localID)
        }
    }

    enum JoinError: Error, CustomStringConvertible {
        case noClusterInformation(String)
        case memberCountUnequal(existing: Int, configured: Int)
        case noMatch(id: NodeID, peerURLs: [String])
        case notAdded(peerURLs: [String])
        case alreadyBootstrapped(NodeID)

        var description: String {
            switch self {
            case .noClusterInformation(let detail):
                return "cannot fetch cluster info from peer urls: \(detail)"
            case .memberCountUnequal(let existing, let configured):
                return "error validating peerURLs: member count is unequal (the cluster has \(existing) members, "
                    + "--initial-cluster lists \(configured); add this member with `etcdctl member add` first)"
            case .noMatch(let id, let urls):
                return "error validating peerURLs: PeerURLs: no match found for existing member (\(hex(id)), [\(urls.joined(separator: " "))])"
            case .notAdded(let urls):
                return "this member's peer URLs (\(urls.joined(separator: ","))) are not in the cluster: add it with `etcdctl member add` first"
            case .alreadyBootstrapped(let id):
                return "member \(hex(id)) has already been bootstrapped"
            }
        }
    }
}
