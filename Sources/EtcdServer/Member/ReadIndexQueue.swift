import Raft

/// Linearizable reads, batched: every read that arrives while no ReadIndex request is in flight
/// joins the next one, so one quorum round (one `readIndex` call) serves many reads. A read is
/// served once Raft confirmed the read index and the member applied up to it.
struct ReadIndexQueue {
    typealias Read = (Result<Void, ReadError>) -> Void

    enum ReadError: Error { case timedOut }

    private struct Batch {
        var context: UInt64
        var reads: [(deadline: UInt64, read: Read)]
        var confirmedIndex: LogIndex?
        /// Seen unconfirmed by one `requeueStale` pass already.
        var stale = false
    }

    private var waiting: [(deadline: UInt64, read: Read)] = []
    private var inFlight: [Batch] = []
    /// Contexts must not collide between members: the leader keeps one pending request per
    /// context and drops a second one with the same bytes, so a follower whose counter matched
    /// the leader's (or another follower's) lost its read until the 0.5-1 s retry. A random
    /// 63-bit start per member makes that practically impossible (etcd uses unique request IDs).
    private var nextContext = UInt64.random(in: 1...(UInt64.max >> 1))

    var isEmpty: Bool { waiting.isEmpty && inFlight.isEmpty }

    mutating func enqueue(deadlineMilliseconds: UInt64, _ read: @escaping Read) {
        waiting.append((deadlineMilliseconds, read))
    }

    /// Starts a ReadIndex round for the reads waiting, if any; returns its context for `readIndex`.
    mutating func startRound() -> [UInt8]? {
        guard !waiting.isEmpty else { return nil }
        let context = nextContext
        nextContext += 1
        inFlight.append(Batch(context: context, reads: waiting, confirmedIndex: nil))
        waiting.removeAll()
        return Self.encode(context)
    }

    /// Raft confirmed a read index for the round with this context.
    mutating func confirm(_ state: ReadState) {
        guard state.requestContext.count == 8 else { return }
        let context = state.requestContext.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard let i = inFlight.firstIndex(where: { $0.context == context }) else { return }
        inFlight[i].confirmedIndex = state.index
    }

    /// The reads whose confirmed index is applied, removed from the queue.
    mutating func takeReady(appliedIndex: LogIndex) -> [Read] {
        var ready: [Read] = []
        inFlight.removeAll { batch in
            guard let index = batch.confirmedIndex, index <= appliedIndex else { return false }
            ready.append(contentsOf: batch.reads.map(\.read))
            return true
        }
        return ready
    }

    /// Reads past their deadline, removed. A round whose reads all expired is forgotten (a late
    /// confirmation for it is ignored); rounds that lost their leader are retried by the caller
    /// through `requeueUnconfirmed`.
    mutating func takeExpired(nowMilliseconds: UInt64) -> [Read] {
        var expired: [Read] = []
        func split(_ reads: inout [(deadline: UInt64, read: Read)]) {
            reads.removeAll { item in
                guard item.deadline <= nowMilliseconds else { return false }
                expired.append(item.read)
                return true
            }
        }
        split(&waiting)
        for i in inFlight.indices { split(&inFlight[i].reads) }
        inFlight.removeAll { $0.reads.isEmpty }
        return expired
    }

    /// Rounds not yet confirmed go back to waiting (Raft drops ReadIndex requests without a leader,
    /// or before the leader committed an entry of its term).
    mutating func requeueUnconfirmed() {
        let unconfirmed = inFlight.filter { $0.confirmedIndex == nil }
        inFlight.removeAll { $0.confirmedIndex == nil }
        for batch in unconfirmed { waiting.append(contentsOf: batch.reads) }
    }

    /// Rounds that stayed unconfirmed since the previous call go back to waiting, to be asked
    /// again under a new context (a ReadIndex request or its answer can be lost between members).
    /// Called periodically; returns whether any round was requeued.
    mutating func requeueStale() -> Bool {
        var requeued = false
        inFlight.removeAll { batch in
            guard batch.confirmedIndex == nil, batch.stale else { return false }
            waiting.append(contentsOf: batch.reads)
            requeued = true
            return true
        }
        for i in inFlight.indices where inFlight[i].confirmedIndex == nil { inFlight[i].stale = true }
        return requeued
    }

    private static func encode(_ value: UInt64) -> [UInt8] {
        stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: value >> UInt64($0)) }
    }
}
