import KVStore
import Raft
import Testing
@testable import EtcdServer

@Suite struct ReadIndexQueueTests {
    @Test func oneRoundServesEveryReadWaitingForIt() {
        var queue = ReadIndexQueue()
        var served = 0
        for _ in 0..<5 { queue.enqueue(deadlineMilliseconds: 1000) { if case .success = $0 { served += 1 } } }
        let context = queue.startRound()
        #expect(context != nil)
        #expect(queue.startRound() == nil)  // nothing new waiting: no second round
        queue.confirm(ReadState(index: 7, requestContext: context!))
        #expect(queue.takeReady(appliedIndex: 6).isEmpty)  // not applied far enough yet
        for read in queue.takeReady(appliedIndex: 7) { read(.success(())) }
        #expect(served == 5)
        #expect(queue.isEmpty)
    }

    @Test func unconfirmedRoundsAreRetriedAndExpiredReadsFail() {
        var queue = ReadIndexQueue()
        var failures = 0
        queue.enqueue(deadlineMilliseconds: 100) { if case .failure = $0 { failures += 1 } }
        queue.enqueue(deadlineMilliseconds: 500) { _ in }
        let first = queue.startRound()!
        queue.requeueUnconfirmed()  // the leader changed before confirming
        let second = queue.startRound()!
        #expect(first != second)
        queue.confirm(ReadState(index: 3, requestContext: first))  // a late answer to the old round is ignored
        #expect(queue.takeReady(appliedIndex: 10).isEmpty)
        for read in queue.takeExpired(nowMilliseconds: 200) { read(.failure(.timedOut)) }
        #expect(failures == 1)
        queue.confirm(ReadState(index: 3, requestContext: second))
        #expect(queue.takeReady(appliedIndex: 3).count == 1)
    }
}

@Suite struct ReadIndexContextTests {
    /// The leader drops a ReadIndex request whose context is already pending; members that
    /// counted from the same start collided and stalled reads until the retry.
    @Test func membersUseDifferentContexts() {
        var members = (0..<3).map { _ in ReadIndexQueue() }
        var contexts = Set<[UInt8]>()
        for round in 0..<50 {
            for m in members.indices {
                members[m].enqueue(deadlineMilliseconds: 1000) { _ in }
                let context = members[m].startRound()!
                #expect(contexts.insert(context).inserted, "member \(m) round \(round) reused a context")
            }
        }
    }
}

@Suite struct ProposalTrackerTests {
    @Test func waitersCompleteOnceAndExpireByDeadline() {
        var tracker = ProposalTracker(limit: 2)
        var results: [String] = []
        tracker.register(id: 1, deadlineMilliseconds: 100) { _ in results.append("one") }
        tracker.register(id: 2, deadlineMilliseconds: 50) { _ in results.append("two") }
        #expect(tracker.isFull)
        for expired in tracker.takeExpired(nowMilliseconds: 60) { expired(.failure(.requestTimedOut)) }
        #expect(results == ["two"])
        tracker.take(id: 1)?(.success(.membership))
        #expect(tracker.take(id: 1) == nil)  // completed once only
        #expect(results == ["two", "one"])
        #expect(tracker.count == 0)
    }
}
