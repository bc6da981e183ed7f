import KVStore

/// Requests proposed to Raft and waiting for their entry to be applied, keyed by the request ID
/// carried in the proposal's header. Bounded: past `limit` waiting proposals, new ones are refused
/// ("etcdserver: too many requests") instead of growing memory.
struct ProposalTracker {
    /// What applying a proposal produced: a store result, or a change to the membership.
    enum Applied {
        case store(ApplyResult)
        case membership
    }

    typealias Completion = (Result<Applied, EtcdError>) -> Void

    private struct Waiter {
        var deadlineMilliseconds: UInt64
        var fingerprint: UInt32?
        var completion: Completion
    }

    let limit: Int
    private var waiters: [UInt64: Waiter] = [:]

    init(limit: Int) { self.limit = limit }

    var count: Int { waiters.count }
    var isFull: Bool { waiters.count >= limit }

    /// `fingerprint` (a checksum of the proposed bytes) guards against another member's request
    /// that happens to carry the same ID: request IDs hold only 16 bits of the member ID.
    mutating func register(id: UInt64, deadlineMilliseconds: UInt64, fingerprint: UInt32? = nil,
                           completion: @escaping Completion) {
        precondition(waiters[id] == nil, "request IDs are unique")
        waiters[id] = Waiter(deadlineMilliseconds: deadlineMilliseconds, fingerprint: fingerprint, completion: completion)
    }

    /// The waiter for `id`, removed; nil when nobody waits (a replayed entry, or another member's).
    /// With a `fingerprint`, a waiter registered with a different one is left waiting: the entry
    /// is another member's request with a colliding ID.
    mutating func take(id: UInt64, fingerprint: @autoclosure () -> UInt32? = nil) -> Completion? {
        guard let waiter = waiters[id] else { return nil }
        if let expected = waiter.fingerprint, let actual = fingerprint(), expected != actual { return nil }
        return waiters.removeValue(forKey: id)?.completion
    }

    /// Removes and returns the waiters whose deadline has passed.
    mutating func takeExpired(nowMilliseconds: UInt64) -> [Completion] {
        let expired = waiters.filter { $0.value.deadlineMilliseconds <= nowMilliseconds }
        for id in expired.keys { waiters.removeValue(forKey: id) }
        return expired.sorted { $0.key < $1.key }.map(\.value.completion)
    }

    /// Removes and returns every waiter (shutdown, or leadership lost).
    mutating func takeAll() -> [Completion] {
        defer { waiters.removeAll() }
        return waiters.sorted { $0.key < $1.key }.map(\.value.completion)
    }
}
