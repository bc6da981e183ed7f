import Foundation
import Raft

/// What a membership change carries in its Raft entry besides the Raft change itself: the
/// member (all of it for an add or update, its ID otherwise), whether an add promotes a learner
/// (etcd's ConfigChangeContext.IsPromote), and the ID of the request waiting for the outcome.
struct ConfChangeContext: Equatable {
    var requestID: UInt64
    var member: Member
    var isPromote: Bool

    private struct Wire: Codable {
        var requestID: UInt64
        var member: [UInt8]
        var isPromote: Bool
    }

    func encoded() -> [UInt8] {
        let wire = Wire(requestID: requestID, member: MemberCodec.encode(member), isPromote: isPromote)
        return (try? [UInt8](JSONEncoder().encode(wire))) ?? []
    }

    /// Decodes a context; a bare member (the bootstrap entries) is an add with no waiting request.
    static func decode(_ bytes: [UInt8], nodeID: NodeID) -> ConfChangeContext? {
        if let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)), var member = MemberCodec.decode(wire.member) {
            member.id = nodeID
            return ConfChangeContext(requestID: wire.requestID, member: member, isPromote: wire.isPromote)
        }
        guard var member = MemberCodec.decode(bytes) else { return nil }
        member.id = nodeID
        return ConfChangeContext(requestID: 0, member: member, isPromote: false)
    }
}
