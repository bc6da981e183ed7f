// Pending ReadIndex requests of a leader in safe mode. Each request is confirmed once a quorum
// answered a heartbeat carrying its context; confirming one confirms every earlier one.

struct ReadIndexRequest {
    var index: LogIndex
    /// Who asked: `.none` or the leader itself for a local request, else the follower.
    var from: NodeID
    var context: [UInt8]
    var acks: [NodeID: Bool] = [:]
}

struct ReadOnlyQueue {
    /// Bound on outstanding requests; more are dropped (the caller retries).
    static let limit = 4096
    private(set) var pending: [[UInt8]: ReadIndexRequest] = [:]
    private(set) var order: [[UInt8]] = []

    var lastContext: [UInt8]? { order.last }

    mutating func add(index: LogIndex, from: NodeID, context: [UInt8]) -> Bool {
        guard pending[context] == nil, order.count < Self.limit else { return false }
        pending[context] = ReadIndexRequest(index: index, from: from, context: context)
        order.append(context)
        return true
    }

    /// Records an acknowledgement; returns the votes so far for that request.
    mutating func ack(_ id: NodeID, context: [UInt8]) -> [NodeID: Bool]? {
        guard pending[context] != nil else { return nil }
        pending[context]!.acks[id] = true
        return pending[context]!.acks
    }

    /// Removes and returns every request up to and including `context`, oldest first.
    mutating func confirm(through context: [UInt8]) -> [ReadIndexRequest] {
        guard let pos = order.firstIndex(of: context) else { return [] }
        let done = order[...pos].compactMap { pending.removeValue(forKey: $0) }
        order.removeFirst(pos + 1)
        return done
    }

    mutating func reset() {
        pending = [:]
        order = []
    }
}
