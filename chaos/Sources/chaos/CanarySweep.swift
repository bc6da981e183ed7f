import Foundation

/// `chaos canaries`: each known canary (a bug the server can switch back on through
/// KEEL_CANARY) runs on its scenario for up to `runs` seeds; a canary is caught when a run
/// fails a check. Reports the first catching seed and the checks that failed; survivors fail
/// the command.
struct CanaryCase {
    var name: String
    var scenario: String
    var issue: String

    static let all: [CanaryCase] = [
        .init(name: "linearizableReadWithoutReadIndex", scenario: "smoke-kill", issue: "etcd #741 (stale read)"),
        .init(name: "ackBeforeFsync", scenario: "smoke-single", issue: "etcd #14370 (ack before WAL fsync)"),
        .init(name: "ackAfterWriteBeforeFsync", scenario: "lostunsynced-1", issue: "etcd #14370 (ack after write, before fsync; page cache lost)"),
        .init(name: "watchResendAfterReconnect", scenario: "smoke-kill", issue: "etcd #15271/#17247 (duplicate watch event)"),
        .init(name: "progressNotifyAheadOfEvents", scenario: "smoke-kill", issue: "etcd #15220 (progress notify ahead of events)"),
        .init(name: "deposedLeaderRevokesLeases", scenario: "smoke-partition", issue: "etcd #12528 (deposed leader revokes leases)"),
        .init(name: "dropEventAtCompaction", scenario: "compact-3", issue: "etcd #18089 (event at the compaction revision dropped)"),
        .init(name: "lockWithoutLeaseRecheck", scenario: "lock-3", issue: "etcd #11456 (Lock succeeds after its lease ended)"),
    ]

    static func named(_ name: String) -> CanaryCase? { all.first { $0.name == name } }
}

enum CanarySweep {
    struct Outcome {
        var canary: CanaryCase
        var caughtAtRun: Int?
        var seed: UInt64?
        var failedChecks: [String] = []
    }

    static func run(_ options: CommandLineOptions, binary: String) -> Int32 {
        let cases = options.canary.map { name in CanaryCase.all.filter { $0.name == name } } ?? CanaryCase.all
        var outcomes: [Outcome] = []
        for c in cases {
            var outcome = Outcome(canary: c)
            for k in 0..<options.runs {
                let seed = options.seed + UInt64(k)
                var env = options.environment
                env["KEEL_CANARY"] = c.name
                let summary = ChaosRun(options: RunOptions(scenario: Scenario.named(c.scenario)!, seed: seed, etcdBinary: binary,
                                                           resultsDir: options.results, keepData: options.keep,
                                                           memberEnvironment: env)).execute()
                Output.line("")
                if !summary.passed {
                    outcome.caughtAtRun = k + 1
                    outcome.seed = seed
                    outcome.failedChecks = summary.verdicts.filter { !$0.passed }.map(\.check)
                    break
                }
            }
            outcomes.append(outcome)
        }
        Output.line("chaos canaries (up to \(options.runs) run(s) each):")
        for o in outcomes {
            let name = o.canary.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            if let run = o.caughtAtRun, let seed = o.seed {
                Output.line("  \(name) CAUGHT on run \(run) (\(o.canary.scenario) seed \(seed)) by \(o.failedChecks.joined(separator: ", "))  [\(o.canary.issue)]")
            } else {
                Output.line("  \(name) SURVIVED \(options.runs) run(s) of \(o.canary.scenario)  [\(o.canary.issue)]")
            }
        }
        return outcomes.allSatisfy { $0.caughtAtRun != nil } ? 0 : 1
    }
}
