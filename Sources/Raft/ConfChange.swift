// Membership change requests. One change is a simple (single-step) change, several changes are
// a joint-consensus change, and no change at all asks to leave a joint configuration.

public enum ConfChangeType: UInt8, Sendable {
    case addNode = 0, removeNode = 1, updateNode = 2, addLearnerNode = 3
}

/// How a change is carried out. `auto` uses a simple change when it can (one voter changes at
/// most) and otherwise joint consensus that is left automatically. `jointImplicit` always uses
/// joint consensus and leaves it automatically; `jointExplicit` waits for an explicit empty
/// ConfChange to leave.
public enum ConfChangeTransition: UInt8, Sendable {
    case auto = 0, jointImplicit = 1, jointExplicit = 2
}

public struct ConfChangeSingle: Sendable, Equatable {
    public var type: ConfChangeType
    public var nodeID: NodeID
    public init(type: ConfChangeType, nodeID: NodeID) {
        self.type = type
        self.nodeID = nodeID
    }
}

public struct ConfChange: Sendable, Equatable {
    public var transition: ConfChangeTransition
    public var changes: [ConfChangeSingle]
    public var context: [UInt8]

    public init(transition: ConfChangeTransition = .auto, changes: [ConfChangeSingle] = [],
                context: [UInt8] = []) {
        self.transition = transition
        self.changes = changes
        self.context = context
    }

    /// A simple change of one member.
    public init(_ type: ConfChangeType, _ node: NodeID, context: [UInt8] = []) {
        self.init(changes: [ConfChangeSingle(type: type, nodeID: node)], context: context)
    }

    /// True for the empty change that asks to leave a joint configuration.
    public var isLeaveJoint: Bool { changes.isEmpty }

    /// Whether applying this change enters a joint configuration, and if so whether it
    /// leaves automatically.
    func entersJoint() -> (joint: Bool, autoLeave: Bool) {
        if transition != .auto || changes.count > 1 {
            return (true, transition != .jointExplicit)
        }
        return (false, false)
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(RaftCodec.confChangeTag)
        w.u8(transition.rawValue)
        w.u32(UInt32(changes.count))
        for c in changes {
            w.u8(c.type.rawValue)
            w.u64(c.nodeID.rawValue)
        }
        w.bytes(context)
        return w.buffer
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        try r.expectTag(RaftCodec.confChangeTag)
        guard let t = ConfChangeTransition(rawValue: try r.u8()) else { throw RaftCodecError.invalidValue("transition") }
        let n = try r.count(minElementSize: 9)
        var changes: [ConfChangeSingle] = []
        changes.reserveCapacity(n)
        for _ in 0..<n {
            guard let ty = ConfChangeType(rawValue: try r.u8()) else { throw RaftCodecError.invalidValue("conf change type") }
            changes.append(ConfChangeSingle(type: ty, nodeID: NodeID(try r.u64())))
        }
        let ctx = try r.bytes()
        try r.expectEnd()
        self.init(transition: t, changes: changes, context: ctx)
    }
}
