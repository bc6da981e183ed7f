import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// Membership operations of the harness: member IDs as the cluster knows them now (a member
/// removed and added back gets a new ID), and the Cluster/Maintenance calls the nemesis makes.
extension ChaosCluster {
    static let moveLeaderRPC = EtcdRPC<Etcdserverpb_MoveLeaderRequest, Etcdserverpb_MoveLeaderResponse>(
        "/etcdserverpb.Maintenance/MoveLeader", safe: false)

    /// The Raft member ID of member `index`, as last learned.
    func memberID(of index: Int) -> UInt64? { memberIDs.first { $0.value == index }?.key }

    /// Member `index` now has `newID` (it was removed and added back). The fault proxy learns
    /// it before the member starts, so its first connection is already attributed to its links.
    func relearn(index: Int, newID: UInt64) {
        memberIDs = memberIDs.filter { $0.value != index }
        memberIDs[newID] = index
        let ids = memberIDs
        withProxy { $0.learn(memberIDs: ids) }
    }

    /// Running, unpaused members other than `excluded`, the leader first if known.
    func liveMembers(excluding excluded: Int? = nil) -> [Int] {
        let leader = leader()
        let live = members.indices.filter { $0 != excluded && members[$0].isRunning && !members[$0].paused }
        return live.sorted { a, b in (a == leader ? 0 : 1, a) < (b == leader ? 0 : 1, b) }
    }

    /// Calls `body` with the admin client of each live member in turn (leader first) until one
    /// answers, retrying for at most `seconds`. The last error if none did.
    func withAnyMember<T>(excluding excluded: Int? = nil, seconds: Double,
                          _ body: (EtcdClient) throws(EtcdError) -> T) -> Result<T, EtcdError> {
        let deadline = Date().addingTimeInterval(seconds)
        var last = EtcdError(code: .unavailable, message: "no live member")
        repeat {
            for i in liveMembers(excluding: excluded) {
                do { return .success(try body(admin[i])) } catch { last = error }
            }
            usleep(200_000)
        } while Date() < deadline
        return .failure(last)
    }

    /// The highest Raft index any live member reports (the leader's log end, in practice).
    func highestRaftIndex(excluding excluded: Int? = nil) -> UInt64 {
        liveMembers(excluding: excluded).compactMap { try? admin[$0].status(timeout: .milliseconds(500)).raftIndex }.max() ?? 0
    }
}
