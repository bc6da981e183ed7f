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
        let elapsed = monotonicNanoseconds() - startNanoseconds
        var result = overall
        result.elapsedNanoseconds = elapsed
        result.parts = kindOrder.map { kind in
            var part = byKind[kind]!
            part.elapsedNanoseconds = elapsed
            return RunPart(kind: kind, result: part)
        }
        return result
    }

    /// Connects every connection (one Status call each) before the clock starts, as etcd's
    /// benchmark dials its clients before sending; then starts every client.
    private func warmUp() {
        var pending = connections.count
        for connection in connections {
            connection.call(EtcdRPCs.status, Etcdserverpb_StatusRequest(), timeout: .unlimited) { [self] result in
                if case .failure(let error) = result {
                    writeStderr("Error: \(error.description)\n")
                    exit(1)
                }
                pending -= 1
                if pending == 0 { prepareWorkload() }
            }
        }
    }

    private func prepareWorkload() {
        workload.prepare(clients: min(clients, total), connections: connections) { [self] error in
            if let error {
                writeStderr("Error: \(error.description)\n")
                exit(1)
            }
            startClients()
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
        guard issued < total else { return }
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
        let due = startNanoseconds + UInt64(index) * 1_000_000_000 / UInt64(rate)
        let now = monotonicNanoseconds()
        return due > now ? (due - now + 999_999) / 1_000_000 : 0
    }

    private func send(_ index: Int, client: Int) {
        let started = monotonicNanoseconds()
        let kind = workload.kind(of: index)
        workload.send(index, client: client, on: connection(of: client)) { [self] error in
            let took = (monotonicNanoseconds() - started) / 1000
            record(kind: kind, microseconds: took, error: error)
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
        if finished == total {
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
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        self.total = total
    }

    func update(_ done: Int) {
        let percent = done * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 50
        let filled = percent * width / 100
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        writeStderr("\r \(done) / \(total) [\(bar)] \(percent)%")
    }

    func finish() { writeStderr("\n") }
}
