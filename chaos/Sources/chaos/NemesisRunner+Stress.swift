import ChaosCheckers
import Foundation
import Glibc

/// etcd's NO_FAIL_WITH_STRESS: no fault, only more load for the step's duration. The extra
/// clients are registers of their own (keys under the workload's prefix, so the watchers see
/// their events); their operations join the history and are checked like the workload's.
extension NemesisRunner {
    static let stressClients = 16

    func stress(seconds: Double, pick: UInt64) -> String {
        stressSteps += 1
        let endpoints = cluster.endpoints
        let prefix = "\(keyPrefix)/stress\(stressSteps)"
        let clock = self.clock
        let loopThread = cluster.loopThread
        let workload = UncheckedBox(loopThread.sync {
            let w = RegisterWorkload(loop: loopThread.loop, clock: clock, endpoints: endpoints, keyPrefix: prefix,
                                     keys: Self.stressClients / 2, clientsPerKey: 2, seed: pick, timeoutMilliseconds: 1500)
            w.start()
            return w
        })
        usleep(UInt32(seconds * 1_000_000))
        let _: Bool = loopThread.await { done in workload.value.stop { done(true) } }
        let ops = loopThread.sync { workload.value.history }
        // Ids and clients distinct from the workload's and from earlier stress steps.
        let idBase = 10_000_000 + stressHistory.count
        let clientBase = 100_000 * stressSteps
        stressHistory += ops.map { op in
            var o = op
            o.id += idBase
            o.client += clientBase
            return o
        }
        let ok = ops.filter { $0.outcome == .ok }.count
        return String(format: "%d extra clients for %.1fs: %d ops (%d ok)", Self.stressClients, seconds, ops.count, ok)
    }
}
