import EtcdAPI
import EtcdClient
import EventLoop
import Glibc
import Histogram

/// Monotonic nanoseconds (the loop's own clock is cached per iteration and in milliseconds).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// What one benchmark run measured.
struct RunResult {
    var latencies: Histogram<UInt64>
    var errors: [String: Int]
    var elapsedNanoseconds: UInt64
    /// Per-kind results when the workload reports several summaries, in first-seen order.
    var parts: [RunPart] = []
    /// Why the run stopped before `--total` requests (the cluster became unreachable).
    var abortReason: String?

    init(latencies: Histogram<UInt64> = RunResult.emptyHistogram(), errors: [String: Int] = [:], elapsedNanoseconds: UInt64 = 0) {
        self.latencies = latencies
        self.errors = errors
        self.elapsedNanoseconds = elapsedNanoseconds
    }

    /// Microsecond latencies up to an hour, three significant digits.
    static func emptyHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    mutating func record(microseconds: UInt64) { _ = latencies.record(max(microseconds, 1)) }
    mutating func recordError(_ message: String) { errors[message, default: 0] += 1 }
}

/// One of several summaries of a run (a class: a struct cannot contain its own type).
final class RunPart {
    let kind: String
    let result: RunResult

    init(kind: String, result: RunResult) {
        self.kind = kind
        self.result = result
    }
}

/// Drives `--clients` clients over `--conns` connections on one event loop; every client keeps
/// exactly one request in flight until `total` requests have been issued.
final class Runner {
    let loop: EventLoop
    let connections: [EtcdConnection]
    let workload: any Workload
    let total: Int
    let clients: Int
    let rate: Int
    let progress: ProgressBar?

    private var issued = 0
    private var finished = 0
    /// Set when the cluster became unreachable mid-run: no new requests are issued.
    private(set) var abortReason: String?
    private var startNanoseconds: UInt64 = 0
    private var overall = RunResult()
    private var byKind: [String: RunResult] = [:]
    private var kindOrder: [String] = []

    init(loop: EventLoop, config: EtcdClientConfig, conns: Int, clients: Int, total: Int, rate: Int,
         workload: any Workload, progress: ProgressBar?) {
        self.loop = loop
        connections = makeConnections(conns, loop: loop, config: config)
        self.workload = workload
        self.total = total
        self.clients = clients
        self.rate = rate
        self.progress = progress
    }

    /// Runs the benchmark to completion (blocks in the loop).
    func run() -> RunResult {
        warmUp()
        loop.run()
        let now = monotonicNanoseconds()
        let elapsed = startNanoseconds == 0 || now < startNanoseconds ? 0 : now - startNanoseconds
        var result = overall
        result.elapsedNanoseconds = elapsed
        result.abortReason = abortReason
        result.parts = kindOrder.map { kind in
            var part = byKind[kind]!
            part.elapsedNanoseconds = elapsed
            return RunPart(kind: kind, result: part)
        }
        return result
    }

    /// Connects every connection before the clock starts, then starts every client.
    private func warmUp() {
        connectAll(connections) { [self] in prepareWorkload() }
    }

    private func prepareWorkload() {
        workload.prepare(clients: min(clients, total), connections: connections) { error in
            if let error { fatalBenchmarkError(error.description) }
            self.startClients()
        }
    }

    /// The connection client `client` uses (clients are spread evenly over the connections).
    func connection(of client: Int) -> EtcdConnection { connections[client % connections.count] }

    private func startClients() {
        startNanoseconds = monotonicNanoseconds()
        for client in 0..<min(clients, total) {
            issueNext(client: client)
        }
    }

    private func issueNext(client: Int) {
        guard issued < total, abortReason == nil else { return }
        let index = issued
        issued += 1
        let delay = rateDelayMilliseconds(index)
        if delay > 0 {
            loop.schedule(afterMilliseconds: delay) { [self] in send(index, client: client) }
        } else {
            send(index, client: client)
        }
    }

    /// With `--rate`, request i may start no earlier than i/rate seconds after the start.
    private func rateDelayMilliseconds(_ index: Int) -> UInt64 {
        guard rate > 0 else { return 0 }
        // In floating point: index × 10⁹ overflows UInt64 for very large --total.
        let dueAfterStart = Double(index) * 1e9 / Double(rate)
        let sinceStart = Double(monotonicNanoseconds() - startNanoseconds)
        return dueAfterStart > sinceStart ? UInt64(((dueAfterStart - sinceStart) / 1e6).rounded(.up)) : 0
    }

    private func send(_ index: Int, client: Int) {
        let started = monotonicNanoseconds()
        let kind = workload.kind(of: index)
        workload.send(index, client: client, on: connection(of: client)) { [self] error in
            record(kind: kind, microseconds: microseconds(from: started, to: monotonicNanoseconds()), error: error)
            if let error, error.neverConnected, abortReason == nil {
                // Every endpoint refused a connection: the rest would fail the same way.
                abortReason = unreachableMessage(connection(of: client).config.endpoints, error)
            }
            completed(client: client)
        }
    }

    private func record(kind: String?, microseconds: UInt64, error: EtcdError?) {
        if let error { overall.recordError(error.description) } else { overall.record(microseconds: microseconds) }
        guard let kind else { return }
        if byKind[kind] == nil {
            byKind[kind] = RunResult()
            kindOrder.append(kind)
        }
        if let error { byKind[kind]!.recordError(error.description) } else { byKind[kind]!.record(microseconds: microseconds) }
    }

    private func completed(client: Int) {
        finished += 1
        progress?.update(finished)
        if finished == issued && (issued == total || abortReason != nil) {
            progress?.finish()
            for connection in connections { connection.close() }
            loop.stop()
        } else {
            issueNext(client: client)
        }
    }
}

/// A progress bar on stderr when it is a terminal, redrawn at most once per percent.
final class ProgressBar {
    let total: Int
    private var lastPercent = -1

    init?(total: Int) {
        guard isatty(STDERR_FILENO) != 0, total > 0 else { return nil }
        self.total = total
    }

    func update(_ done: Int) {
        let percent = min(done, total) * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 50
        let filled = percent * width / 100
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        writeStderr("\r \(done) / \(total) [\(bar)] \(percent)%")
    }

    func finish() { writeStderr("\n") }
}
