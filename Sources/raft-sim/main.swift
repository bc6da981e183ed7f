// raft-sim: runs the deterministic Raft simulator over a range of seeds.
//
//   raft-sim --seeds 1..2000            every seed must pass; exit 0 iff all pass
//   raft-sim --seed 42 --trace          one seed, print its whole trace and hash
//   raft-sim --canary NAME --seeds 1..1000 [--focus]
//                                       exit 0 iff the broken build is caught
//   --nodes N                           force the cluster size
//   raft-sim --throughput N             N proposals through an in-memory 3-node cluster (the
//                                       core's own cost, no I/O); prints proposals/second
//   --no-durability-check               do not compare sent votes/acks with the disk (shows
//                                       what the other checkers see of votePersistedLate)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Raft
import RaftSimulator

struct Arguments {
    var seeds: ClosedRange<UInt64> = 1...100
    var trace = false
    var canary: SimCanary?
    var nodes: Int?
    var focused = false
    var maxTraces = 3
    var checkDurability = true
    var throughput: Int?
}

func usage(_ problem: String) -> Never {
    print("raft-sim: \(problem)")
    print("usage: raft-sim [--seeds A..B | --seed N] [--trace] [--canary NAME] [--focus] [--nodes N]")
    print("                [--no-durability-check] [--max-traces N]")
    print("       raft-sim --throughput N")
    print("canaries: \(SimCanary.all.map(\.description).joined(separator: ", "))")
    exit(2)
}

func parse(_ args: [String]) -> Arguments {
    var a = Arguments()
    var i = 0
    func value() -> String {
        i += 1
        guard i < args.count else { usage("\(args[i - 1]) needs a value") }
        return args[i]
    }
    while i < args.count {
        switch args[i] {
        case "--seeds":
            let v = value()
            let parts = v.split(separator: ".", omittingEmptySubsequences: true)
            guard parts.count == 2, let lo = UInt64(parts[0]), let hi = UInt64(parts[1]), lo <= hi else {
                usage("--seeds wants A..B, got \(v)")
            }
            a.seeds = lo...hi
        case "--seed":
            guard let s = UInt64(value()) else { usage("--seed wants a number") }
            a.seeds = s...s
        case "--trace": a.trace = true
        case "--focus": a.focused = true
        case "--no-durability-check": a.checkDurability = false
        case "--canary":
            let name = value()
            guard let c = SimCanary(name: name) else { usage("unknown canary \(name)") }
            a.canary = c
        case "--nodes":
            guard let n = Int(value()), [1, 3, 5, 7].contains(n) else { usage("--nodes wants 1, 3, 5 or 7") }
            a.nodes = n
        case "--throughput":
            guard let n = Int(value()), n > 0 else { usage("--throughput wants a positive number") }
            a.throughput = n
        case "--max-traces":
            guard let n = Int(value()) else { usage("--max-traces wants a number") }
            a.maxTraces = n
        case "-h", "--help": usage("help")
        default: usage("unknown argument \(args[i])")
        }
        i += 1
    }
    return a
}

func printTrace(_ r: SimResult) {
    for line in r.trace { print(line) }
    print("trace hash \(r.traceHashHex) (\(r.events) events)")
}

/// Reruns a failed seed with the trace kept; the rerun must reproduce the same hash.
func report(failure r: SimResult, args: Arguments, withTrace: Bool) {
    print("seed \(r.seed) FAILED at t=\(r.ticks): \(r.violation!)")
    print("  options: \(r.options)")
    guard withTrace else {
        print("  (rerun with --seed \(r.seed)\(args.canary.map { " --canary \($0)" } ?? "")\(args.focused ? " --focus" : "") --trace)")
        return
    }
    let again = SimRunner.run(seed: r.seed, canary: args.canary, nodes: args.nodes, focused: args.focused, keepTrace: true,
                              checkDurability: args.checkDurability)
    printTrace(again)
    if again.traceHash != r.traceHash {
        print("NONDETERMINISM: rerun hash \(again.traceHashHex) differs from \(r.traceHashHex)")
    }
}

func elapsedSeconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
}

/// Runs seeds on the cooperative thread pool (one worker per core) in batches and hands the
/// results to `body` in seed order, so the output does not depend on scheduling. Each run is
/// single-threaded and owns all its state; only the Sendable results cross threads.
/// `body` returns false to stop early.
func forEachResult(
    _ seeds: ClosedRange<UInt64>, _ run: @escaping @Sendable (UInt64) -> SimResult, _ body: (SimResult) -> Bool
) async {
    let batchSize: UInt64 = 32
    var lo = seeds.lowerBound
    while true {
        let hi = seeds.upperBound - lo < batchSize ? seeds.upperBound : lo + batchSize - 1
        var results = await withTaskGroup(of: SimResult.self) { group in
            for seed in lo...hi { group.addTask { run(seed) } }
            var out: [SimResult] = []
            for await r in group { out.append(r) }
            return out
        }
        results.sort { $0.seed < $1.seed }
        for r in results where !body(r) { return }
        if hi == seeds.upperBound { return }
        lo = hi + 1
    }
}

let args = parse(Array(CommandLine.arguments.dropFirst()))
let clock = ContinuousClock()
let start = clock.now
var passed = 0
var failed = 0
var shown = 0

if let n = args.throughput {
    do {
        let r = try measureThroughput(proposals: n)
        print("raft throughput: \(r.proposals) proposals through 3 in-memory nodes in \(Int(r.seconds * 1000)) ms = \(Int(r.perSecond)) proposals/second")
        exit(0)
    } catch {
        print("raft-sim: throughput run failed: \(error)")
        exit(1)
    }
}

if let canary = args.canary {
    // Caught = a safety checker fired. A liveness timeout is counted as a failed seed but the
    // search goes on: under a broken build it proves nothing about the checkers.
    var caught: SimResult?
    var tried = 0
    let (nodes, focused, trace, durable) = (args.nodes, args.focused, args.trace, args.checkDurability)
    await forEachResult(args.seeds, { seed in
        SimRunner.run(seed: seed, canary: canary, nodes: nodes, focused: focused, keepTrace: trace, checkDurability: durable)
    }) { r in
        tried += 1
        if args.trace { printTrace(r) }
        if r.passed {
            passed += 1
            return true
        }
        failed += 1
        if r.safetyViolated {
            caught = r
            return false
        }
        print("seed \(r.seed): \(r.violation!) (not a safety violation; searching on)")
        return true
    }
    let secs = elapsedSeconds(clock.now - start)
    if let r = caught {
        print("canary \(canary) caught at seed \(r.seed) after \(tried) seed(s): \(r.violation!)")
    } else {
        print("canary \(canary) NOT caught in \(tried) seed(s)")
    }
    print("seeds/second: \(Int((Double(tried) / max(secs, 1e-9)).rounded()))")
    print("\(passed) passed, \(failed) failed")
    exit(caught == nil ? 1 : 0)
}

let (nodes, trace, durable) = (args.nodes, args.trace, args.checkDurability)
await forEachResult(args.seeds, { seed in
    SimRunner.run(seed: seed, nodes: nodes, keepTrace: trace, checkDurability: durable)
}) { r in
    if args.trace { printTrace(r) }
    if r.passed {
        passed += 1
        if args.seeds.count == 1 {
            print("seed \(r.seed) passed: \(r.ticks) ticks, \(r.elections) elections, commit \(r.commits), \(r.readsServed) reads, \(r.crashes) crashes, liveness in \(r.livenessTicks ?? 0) ticks, trace hash \(r.traceHashHex)")
        }
    } else {
        failed += 1
        report(failure: r, args: args, withTrace: !args.trace && shown < args.maxTraces)
        shown += 1
    }
    return true
}
let secs = elapsedSeconds(clock.now - start)
print("seeds/second: \(Int((Double(passed + failed) / max(secs, 1e-9)).rounded())) (\(passed + failed) seeds in \(Int(secs * 1000)) ms)")
print("\(passed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
