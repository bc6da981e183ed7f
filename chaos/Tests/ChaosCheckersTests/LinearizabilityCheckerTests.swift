import ChaosCheckers
import Testing

@Suite("Linearizability checker (register per key)")
struct LinearizabilityCheckerTests {
    @Test func sequentialWritesAndReadsAreLinearizable() {
        var h = HistoryBuilder()
        h.read(nil, 0, 5)
        h.write("1", 10, 20)
        h.read("1", 30, 40)
        h.write("2", 50, 60)
        h.read("2", 70, 80)
        #expect(h.verdict.passed)
    }

    @Test func staleReadAfterANewerWriteCompletedIsCaught() {
        var h = HistoryBuilder()
        h.write("1", 0, 10, client: 0)
        h.write("2", 20, 30, client: 1)
        h.read("1", 40, 50, client: 2)  // a deposed leader's answer
        let verdict = h.verdict
        #expect(!verdict.passed && !verdict.inconclusive)
        #expect(verdict.evidence.contains { $0.contains("read -> 1") })
    }

    @Test func lostAcknowledgedWriteIsCaught() {
        var h = HistoryBuilder()
        h.write("1", 0, 10)
        h.read(nil, 20, 30, client: 1)
        #expect(!h.verdict.passed)
    }

    @Test func readConcurrentWithAWriteMaySeeEitherValue() {
        for seen in ["1", "2"] {
            var h = HistoryBuilder()
            h.write("1", 0, 10)
            h.write("2", 20, 60, client: 1)
            h.read(seen, 30, 40, client: 2)
            #expect(h.verdict.passed, "read of \(seen) during the write of 2")
        }
    }

    @Test func readsCannotGoBackInTime() {
        var h = HistoryBuilder()
        h.write("1", 0, 10)
        h.write("2", 20, 100, client: 1)
        h.read("2", 30, 40, client: 2)
        h.read("1", 50, 60, client: 3)  // both reads overlap the write, but in this order it is impossible
        #expect(!h.verdict.passed)
    }

    @Test func unknownWriteMayTakeEffectLater() {
        var h = HistoryBuilder()
        h.write("1", 0, nil, outcome: .unknown)
        h.read(nil, 10, 20, client: 1)
        h.read("1", 300, 310, client: 1)
        #expect(h.verdict.passed)
    }

    @Test func unknownWriteMayNeverTakeEffect() {
        var h = HistoryBuilder()
        h.write("1", 0, nil, outcome: .unknown)
        h.read(nil, 10, 20, client: 1)
        h.read(nil, 300, 310, client: 1)
        #expect(h.verdict.passed)
    }

    @Test func unknownWriteCannotBeUndone() {
        var h = HistoryBuilder()
        h.write("1", 0, nil, outcome: .unknown)
        h.read("1", 10, 20, client: 1)
        h.read(nil, 30, 40, client: 1)
        #expect(!h.verdict.passed)
    }

    @Test func failedWriteHasNoEffect() {
        var h = HistoryBuilder()
        h.write("1", 0, 10, outcome: .fail)
        h.read("1", 20, 30, client: 1)
        #expect(!h.verdict.passed)
    }

    @Test func compareAndSetFollowsTheRegister() {
        var good = HistoryBuilder()
        good.write("a", 0, 10)
        good.cas("a", "b", succeeded: true, 20, 30)
        good.cas("a", "c", succeeded: false, 40, 50, client: 1)
        good.read("b", 60, 70)
        #expect(good.verdict.passed)

        var wrongSuccess = HistoryBuilder()
        wrongSuccess.write("z", 0, 10)
        wrongSuccess.cas("a", "b", succeeded: true, 20, 30)
        #expect(!wrongSuccess.verdict.passed)

        var wrongFailure = HistoryBuilder()
        wrongFailure.write("a", 0, 10)
        wrongFailure.cas("a", "b", succeeded: false, 20, 30)
        #expect(!wrongFailure.verdict.passed)
    }

    @Test func unknownCompareAndSetMayOrMayNotApply() {
        var applied = HistoryBuilder()
        applied.write("a", 0, 10)
        applied.cas("a", "b", succeeded: nil, 20, nil, outcome: .unknown)
        applied.read("b", 100, 110, client: 1)
        #expect(applied.verdict.passed)

        var notApplied = HistoryBuilder()
        notApplied.write("a", 0, 10)
        notApplied.cas("a", "b", succeeded: nil, 20, nil, outcome: .unknown)
        notApplied.read("a", 100, 110, client: 1)
        #expect(notApplied.verdict.passed)
    }

    @Test func keysAreCheckedIndependentlyAndTheBadOneIsNamed() {
        var h = HistoryBuilder()
        h.write("1", 0, 10, key: "good")
        h.read("1", 20, 30, key: "good", client: 1)
        h.write("1", 0, 10, key: "bad")
        h.write("2", 20, 30, key: "bad")
        h.read("1", 40, 50, key: "bad", client: 1)
        let keys = LinearizabilityChecker.check(h.ops)
        #expect(keys.map(\.result) == [.notLinearizable, .linearizable])
        #expect(h.verdict.detail.contains("first: bad"))
    }

    @Test func largeConcurrentLinearizableHistoryPasses() {
        let ops = RandomHistory.generate(clients: 8, operations: 2000, seed: 7)
        #expect(LinearizabilityChecker.verdict(ops).passed)
    }

    @Test func largeHistoryWithOneStaleReadFails() {
        var ops = RandomHistory.generate(clients: 8, operations: 2000, seed: 11)
        // Make one late read return the very first value written (long overwritten).
        let firstWrite = ops.first { $0.kind == .write }!.value
        let index = ops.lastIndex { $0.kind == .read && $0.outcome == .ok && $0.value != firstWrite }!
        ops[index].value = firstWrite
        let verdict = LinearizabilityChecker.verdict(ops)
        #expect(!verdict.passed && !verdict.inconclusive)
    }

    @Test func searchBoundGivesAnInconclusiveVerdict() {
        let ops = RandomHistory.generate(clients: 8, operations: 400, seed: 3)
        let keys = LinearizabilityChecker.check(ops, maxStepsPerKey: 5)
        #expect(keys.allSatisfy { $0.result == .gaveUp })
    }
}

/// A history produced by really executing operations on one register at a random point inside
/// each operation's interval: linearizable by construction.
enum RandomHistory {
    static func generate(clients: Int, operations: Int, seed: UInt64) -> [RegisterOperation] {
        var rng = SeededGenerator(seed: seed)
        var clientFree = [UInt64](repeating: 0, count: clients)
        // (linearization point, operation) in invocation order, then applied by point.
        var planned: [(point: UInt64, op: RegisterOperation)] = []
        for id in 0..<operations {
            let client = Int.random(in: 0..<clients, using: &rng)
            let start = clientFree[client] + UInt64.random(in: 1...50, using: &rng)
            let end = start + UInt64.random(in: 1...200, using: &rng)
            clientFree[client] = end
            let point = UInt64.random(in: start...end, using: &rng)
            let kind: RegisterOperation.Kind = [.read, .write, .cas][Int.random(in: 0..<3, using: &rng)]
            let op = RegisterOperation(id: id, client: client, key: "k", kind: kind, value: kind == .read ? nil : "v\(id)",
                                       invokeNanos: start, completeNanos: end, outcome: .ok)
            planned.append((point, op))
        }
        var state: String? = nil
        var lastWritten: [String] = []
        var result: [RegisterOperation] = []
        for (_, original) in planned.sorted(by: { $0.point < $1.point }) {
            var op = original
            switch op.kind {
            case .read: op.value = state
            case .write:
                state = op.value
                lastWritten.append(op.value!)
            case .cas:
                // Half the time compare against the current value (succeeds), else an old one.
                let guessCurrent = Bool.random(using: &rng) || lastWritten.isEmpty
                op.expected = guessCurrent ? state : lastWritten.randomElement(using: &rng)
                op.succeeded = op.expected == state
                if op.succeeded! { state = op.value }
                if op.succeeded! { lastWritten.append(op.value!) }
            }
            result.append(op)
        }
        return result.sorted { $0.id < $1.id }
    }
}
