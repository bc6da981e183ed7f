import ChaosCheckers
import EtcdClient
import Foundation
import Glibc

extension EndOfRunProbes {
    /// Every member's MemberList, asked again (bounded) until all answers agree: a member
    /// applies a membership change a little after the others, and a restarted one publishes
    /// its client URLs once it is up.
    static func membership(_ cluster: ChaosCluster, seconds: Double) -> [MembershipChecker.View] {
        let deadline = Date().addingTimeInterval(seconds)
        var views: [MembershipChecker.View] = []
        repeat {
            views = cluster.members.enumerated().map { i, m in
                do {
                    let r = try cluster.admin[i].memberList(timeout: .milliseconds(1000))
                    return .init(member: m.name, selfID: r.header.memberID, entries: r.members.map {
                        .init(id: $0.id, name: $0.name, peerURLs: $0.peerUrls, clientURLs: $0.clientUrls, isLearner: $0.isLearner)
                    })
                } catch {
                    return .init(member: m.name, selfID: nil, entries: nil, error: "\(error)")
                }
            }
            if MembershipChecker.check(views, expectedNames: cluster.members.map(\.name)).passed { return views }
            usleep(200_000)
        } while Date() < deadline
        return views
    }
}
