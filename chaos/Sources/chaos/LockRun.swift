import ChaosCheckers
import EtcdClient
import Foundation

/// The lock workload's part of a run, for scenarios with `locks > 0`: started with the other
/// workloads, drained after healing (before the final revision is taken, so the store history
/// read up to it covers every answer), checked against that history.
final class LockRun {
    static let clientsPerLock = 3

    private let loopThread: LoopThread
    private let workload: UncheckedBox<LockWorkload>

    private init(loopThread: LoopThread, workload: LockWorkload) {
        self.loopThread = loopThread
        self.workload = UncheckedBox(workload)
    }

    static func start(_ scenario: Scenario, loopThread: LoopThread, clock: MonotonicClock, endpoints: [Endpoint],
                      keyPrefix: String, seed: UInt64) -> LockRun? {
        guard scenario.locks > 0 else { return nil }
        let workload = loopThread.sync {
            let w = LockWorkload(loop: loopThread.loop, clock: clock, endpoints: endpoints, keyPrefix: keyPrefix,
                                 locks: scenario.locks, clientsPerLock: clientsPerLock, seed: seed)
            w.start()
            return w
        }
        return LockRun(loopThread: loopThread, workload: workload)
    }

    /// Blocks until every lock request in flight has ended.
    func drain() {
        let workload = self.workload
        let _: Bool = loopThread.await { done in workload.value.stop { done(true) } }
    }

    /// Writes `lock-history.jsonl` into the run folder and checks the history.
    func verdict(events: [StoreEvent], lastRevision: Int64, runDir: String) -> Verdict {
        let workload = self.workload
        let history = loopThread.sync { workload.value.history }.sorted { $0.id < $1.id }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var lines = Data()
        for op in history {
            if let line = try? encoder.encode(op) { lines.append(line); lines.append(0x0A) }
        }
        try? lines.write(to: URL(fileURLWithPath: runDir + "/lock-history.jsonl"))
        var verdict = LockChecker.check(history, events: events, lastRevision: lastRevision)
        verdict.detail += "; \(history.count) lock-workload ops"
        return verdict
    }
}
