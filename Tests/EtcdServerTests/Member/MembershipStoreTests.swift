import Foundation
import KVStore
import Raft
import Testing
@testable import EtcdServer

/// etcd's membership rules (api/membership/cluster.go) on the applied membership, and the
/// membership's life in the backend.
@Suite struct MembershipStoreTests {
    static func freshStore() throws -> (KVStore, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-membership-\(UUID().uuidString)").path
        return (try KVStore(directory: directory, mapSizeBytes: 1 << 26), directory)
    }

    static func member(_ id: UInt64, _ port: Int, name: String = "m", learner: Bool = false) -> Member {
        Member(id: NodeID(rawValue: id), name: name, peerURLs: ["http://127.0.0.1:\(port)"], clientURLs: [], isLearner: learner)
    }

    static func add(_ m: Member, promote: Bool = false) -> ConfChangeContext {
        ConfChangeContext(requestID: 1, member: m, isPromote: promote)
    }

    /// Three started voters: 1, 2 and 3.
    static func threeVoters(_ store: KVStore) -> MembershipStore {
        let membership = MembershipStore(store: store)
        for (id, port) in [(1, 2381), (2, 2382), (3, 2383)] {
            membership.apply(.addNode, add(member(UInt64(id), port, name: "m\(id)")))
        }
        return membership
    }

    @Test func changesAreCheckedAsEtcdChecksThem() throws {
        let (store, directory) = try Self.freshStore()
        defer { store.close(); try? FileManager.default.removeItem(atPath: directory) }
        let membership = Self.threeVoters(store)

        #expect(membership.validate(.addNode, Self.add(Self.member(1, 2390))) == .memberExists)
        #expect(membership.validate(.addNode, Self.add(Self.member(4, 2381))) == .peerURLExists)
        #expect(membership.validate(.addLearnerNode, Self.add(Self.member(4, 2384, learner: true))) == nil)
        membership.apply(.addLearnerNode, Self.add(Self.member(4, 2384, name: "", learner: true)))
        #expect(membership.validate(.addLearnerNode, Self.add(Self.member(5, 2385, learner: true))) == .tooManyLearners)
        #expect(membership.validate(.addNode, Self.add(Self.member(2, 0), promote: true)) == .memberNotLearner)
        #expect(membership.validate(.addNode, Self.add(Self.member(9, 0), promote: true)) == .memberNotFound)
        #expect(membership.validate(.addNode, Self.add(Self.member(4, 0), promote: true)) == nil)
        #expect(membership.validate(.updateNode, Self.add(Self.member(2, 2383))) == .peerURLExists)
        #expect(membership.validate(.updateNode, Self.add(Self.member(2, 2392))) == nil)
        #expect(membership.validate(.removeNode, Self.add(Self.member(9, 0))) == .memberNotFound)

        membership.apply(.removeNode, Self.add(Self.member(3, 0)))
        #expect(membership.members[NodeID(rawValue: 3)] == nil)
        // A removed ID is never used again, whatever the change.
        #expect(membership.validate(.addNode, Self.add(Self.member(3, 2399))) == .memberNotFound)
        #expect(membership.validate(.removeNode, Self.add(Self.member(3, 0))) == .memberNotFound)
    }

    @Test func theMembershipLivesInTheBackend() throws {
        let (store, directory) = try Self.freshStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let membership = Self.threeVoters(store)
        membership.apply(.addLearnerNode, Self.add(Self.member(4, 2384, name: "", learner: true)))
        membership.apply(.addNode, Self.add(Self.member(4, 0), promote: true))
        membership.apply(.updateNode, Self.add(Self.member(2, 2392)))
        membership.updateAttributes(NodeID(rawValue: 4), name: "m4", clientURLs: ["http://127.0.0.1:2379"])
        membership.apply(.removeNode, Self.add(Self.member(1, 0)))
        try store.commitBatch()
        let expected = membership.sorted
        store.close()

        let reopened = try KVStore(directory: directory, mapSizeBytes: 1 << 26)
        defer { reopened.close() }
        let restored = MembershipStore(store: reopened)
        #expect(restored.sorted == expected)
        #expect(restored.removed == [NodeID(rawValue: 1)])
        #expect(restored.members[NodeID(rawValue: 4)]?.isLearner == false)
        #expect(restored.members[NodeID(rawValue: 4)]?.clientURLs == ["http://127.0.0.1:2379"])
        #expect(restored.members[NodeID(rawValue: 2)]?.peerURLs == ["http://127.0.0.1:2392"])
    }

    @Test func aQuorumOfStartedVotersMustRemain() throws {
        let (store, directory) = try Self.freshStore()
        defer { store.close(); try? FileManager.default.removeItem(atPath: directory) }
        let membership = MembershipStore(store: store)
        membership.apply(.addNode, Self.add(Self.member(1, 2381, name: "m1")))
        // A one-member cluster may always add a second voter (etcd's restore procedure).
        #expect(membership.readyToAddVoter())
        membership.apply(.addNode, Self.add(Self.member(2, 2382, name: "")))  // added, never started
        #expect(!membership.readyToAddVoter())  // 1 started of 3
        #expect(membership.readyToRemoveVoter(NodeID(rawValue: 2)))
        #expect(!membership.readyToRemoveVoter(NodeID(rawValue: 1)))  // only the unstarted one would remain
        #expect(membership.readyToPromote())  // 2 of 3 with the learner
    }

    @Test func confChangeContextsRoundTrip() {
        let context = ConfChangeContext(requestID: 0xabc, member: Self.member(7, 2387, name: "", learner: true), isPromote: false)
        #expect(ConfChangeContext.decode(context.encoded(), nodeID: NodeID(rawValue: 7)) == context)
        // Bootstrap entries carry the bare member: an add nobody waits for.
        let bare = ConfChangeContext.decode(MemberCodec.encode(Self.member(1, 2381, name: "m1")), nodeID: NodeID(rawValue: 1))
        #expect(bare?.requestID == 0 && bare?.member.name == "m1" && bare?.isPromote == false)
        #expect(ConfChangeContext.decode(Array("not json".utf8), nodeID: NodeID(rawValue: 1)) == nil)
    }

    @Test func peerURLsAreValidatedAndSortedAsEtcdDoes() {
        #expect(EtcdMember.validatedPeerURLs(["http://127.0.0.1:2", "http://127.0.0.1:1"]) == ["http://127.0.0.1:1", "http://127.0.0.1:2"])
        #expect(EtcdMember.validatedPeerURLs([]) == nil)
        #expect(EtcdMember.validatedPeerURLs(["127.0.0.1:2380"]) == nil)
        #expect(EtcdMember.validatedPeerURLs(["ftp://127.0.0.1:2380"]) == nil)
        #expect(EtcdMember.validatedPeerURLs(["http://127.0.0.1:2380/path"]) == nil)
    }

    @Test func theMembershipSummaryRoundTrips() {
        let members = [Self.member(1, 2381, name: "m1"), Self.member(2, 2382, name: "", learner: true)]
        let summary = MembershipSummary(clusterID: 0xfeed, members: members)
        let decoded = MembershipSummary.decode(summary.encoded())
        #expect(decoded == summary)
        #expect(decoded?.asMembers == members)
    }
}
