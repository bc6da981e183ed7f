import Dispatch
import EtcdAPI
import EtcdClient
import Foundation
import Glibc
import Synchronization

/// check perf and check datascale (check.go): a rate-limited (perf) or counted (datascale) put
/// workload from many clients under a prefix, then etcdctl's PASS/FAIL verdict.
enum CheckCommands {
    struct Load {
        let limit: Int
        let clients: Int
        let seconds: Int
    }

    static let aliases = ["s": "s", "small": "s", "m": "m", "medium": "m", "l": "l", "large": "l", "xl": "xl", "xLarge": "xl"]
    static let perfLoads = ["s": Load(limit: 150, clients: 50, seconds: 60), "m": Load(limit: 1000, clients: 200, seconds: 60),
                            "l": Load(limit: 8000, clients: 500, seconds: 60), "xl": Load(limit: 15000, clients: 1000, seconds: 60)]
    static let scaleLoads = ["s": Load(limit: 10_000, clients: 50, seconds: 0), "m": Load(limit: 100_000, clients: 200, seconds: 0),
                             "l": Load(limit: 1_000_000, clients: 500, seconds: 0), "xl": Load(limit: 3_000_000, clients: 1000, seconds: 0)]

    static func make() -> Command {
        let check = Command(use: "check <subcommand>", short: "commands for checking properties of the etcd cluster")
        let perf = Command(use: "perf [options]", short: "Check the performance of the etcd cluster", run: runPerf)
        perf.localFlags = flags(load: "The performance check's workload model", prefix: "/etcdctl-check-perf/", what: "performance")
        let scale = Command(use: "datascale [options]",
                            short: "Check the memory usage of holding data for different workloads on a given server endpoint.",
                            long: "If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.",
                            run: runDatascale)
        scale.localFlags = flags(load: "The datascale check's workload model", prefix: "/etcdctl-check-datascale/", what: "datascale")
        check.add(perf, scale)
        return check
    }

    private static func flags(load: String, prefix: String, what: String) -> [Flag] {
        [Flag("load", kind: .string, defaultValue: "s", usage: "\(load). Accepted workloads: s(small), m(medium), l(large), xl(xLarge)"),
         Flag("prefix", kind: .string, defaultValue: prefix, usage: "The prefix for writing the \(what) check's keys."),
         Flag("auto-compact", kind: .bool, defaultValue: "false", usage: "Compact storage with last revision after test is finished."),
         Flag("auto-defrag", kind: .bool, defaultValue: "false", usage: "Defragment storage after test is finished.")]
    }

    static func runPerf(_ invocation: Invocation) {
        let load = model(invocation, perfLoads)
        let setup = ClientSetup(invocation: invocation)
        let (client, _) = setup.mustClient()
        let prefix = invocation.string("prefix")
        requireEmpty(client, prefix: prefix, timeout: .milliseconds(UInt64(load.seconds) * 1000))
        let bar = ProgressBar(total: Int64(load.seconds))
        bar.begin()
        let ticker = DispatchSource.makeTimerSource(queue: .global())
        ticker.schedule(deadline: .now() + 1, repeating: 1)
        let ticks = Atomic<Int>(0)
        ticker.setEventHandler {
            if ticks.add(1, ordering: .relaxed).newValue <= load.seconds { bar.add(1) }
            if ticks.load(ordering: .relaxed) >= load.seconds { ticker.cancel(); bar.finish() }
        }
        ticker.resume()
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(load.seconds) * 1_000_000_000
        let pacer = Pacer(interval: 1_000_000_000 / UInt64(load.limit), deadline: deadline)
        let stats = Workload(config: setup.clientConfig(), clients: load.clients).run(prefix: prefix, keyBytes: 256, valueBytes: 1024) {
            pacer.nextSlot()
        }
        while ticks.load(ordering: .relaxed) < load.seconds { usleep(50_000) }
        cleanUp(invocation, client, prefix: prefix, endpoints: setup.endpointTexts, setup: setup)
        var ok = reportErrors(stats)
        if stats.rps / Double(load.limit) <= 0.9 {
            Output.out("FAIL: Throughput too low: \(Int(stats.rps) + 1) writes/s\n")
            ok = false
        } else {
            Output.out("PASS: Throughput is \(Int(stats.rps) + 1) writes/s\n")
        }
        if stats.slowest > 0.5 {
            Output.out("Slowest request took too long: \(String(format: "%f", stats.slowest))s\n")
            ok = false
        } else {
            Output.out("PASS: Slowest request took \(String(format: "%f", stats.slowest))s\n")
        }
        if stats.stddev > 0.1 {
            Output.out("Stddev too high: \(String(format: "%f", stats.stddev))s\n")
            ok = false
        } else {
            Output.out("PASS: Stddev is \(String(format: "%f", stats.stddev))s\n")
        }
        Output.out(ok ? "PASS\n" : "FAIL\n")
        exit(ok ? 0 : ExitCode.error)
    }

    static func runDatascale(_ invocation: Invocation) {
        let load = model(invocation, scaleLoads)
        let setup = ClientSetup(invocation: invocation)
        let (client, _) = setup.mustClient()
        let prefix = invocation.string("prefix")
        requireEmpty(client, prefix: prefix, timeout: .unlimited)
        let endpoint = setup.endpointTexts.first ?? ""
        guard let before = residentMemory(endpoint) else {
            Output.out("FAIL: Could not read process_resident_memory_bytes before the put operations.\n")
            exit(ExitCode.error)
        }
        Output.out("Start data scale check for work load [\(load.limit) key-value pairs, 1024 bytes per key-value, \(load.clients) concurrent clients].\n")
        let bar = ProgressBar(total: Int64(load.limit))
        bar.begin()
        let issued = Atomic<Int>(0)
        let stats = Workload(config: setup.clientConfig(), clients: load.clients, onDone: { bar.add(1) })
            .run(prefix: prefix, keyBytes: 512, valueBytes: 512) { issued.add(1, ordering: .relaxed).newValue <= load.limit }
        bar.finish()
        guard let after = residentMemory(endpoint) else {
            Output.out("FAIL: Could not read process_resident_memory_bytes after the put operations.\n")
            exit(ExitCode.error)
        }
        cleanUp(invocation, client, prefix: prefix, endpoints: setup.endpointTexts, setup: setup)
        guard reportErrors(stats) else { exit(ExitCode.error) }
        Output.out("PASS: Approximate system memory used : \(String(format: "%.2f", (after - before) / (1024 * 1024))) MB.\n")
    }

    private static func model(_ invocation: Invocation, _ loads: [String: Load]) -> Load {
        let name = invocation.string("load")
        guard let key = aliases[name], let load = loads[key] else { exitWithError(ExitCode.badFeature, "unknown load option \(name)") }
        return load
    }

    private static func requireEmpty(_ client: EtcdClient, prefix: String, timeout: RequestTimeout) {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(prefix.utf8)
        request.rangeEnd = KeyPrefix.rangeEnd(request.key)
        request.limit = 1
        let response: Etcdserverpb_RangeResponse
        do { response = try client.get(request, timeout: timeout) } catch { exitWithError(ExitCode.error, error.description) }
        if !response.kvs.isEmpty {
            exitWithError(ExitCode.invalidInput, "prefix \(GoFormat.quote(prefix)) has keys. Delete with etcdctl del --prefix \(prefix) first")
        }
    }

    private static func reportErrors(_ stats: Workload.Stats) -> Bool {
        guard !stats.errors.isEmpty else { return true }
        Output.out("FAIL: too many errors\n")
        for (error, count) in stats.errors { Output.out("FAIL: ERROR(\(error)) -> \(count)\n") }
        return false
    }

    /// Deletes the workload's keys, then compacts and defragments when asked.
    private static func cleanUp(_ invocation: Invocation, _ client: EtcdClient, prefix: String, endpoints: [String], setup: ClientSetup) {
        var request = Etcdserverpb_DeleteRangeRequest()
        request.key = Data(prefix.utf8)
        request.rangeEnd = KeyPrefix.rangeEnd(request.key)
        let deleted: Etcdserverpb_DeleteRangeResponse
        do { deleted = try client.delete(request, timeout: .milliseconds(30_000)) } catch { exitWithError(ExitCode.error, error.description) }
        if invocation.bool("auto-compact") {
            let revision = deleted.header.revision
            Output.out("Compacting with revision \(revision)\n")
            do { _ = try client.compact(revision: revision, physical: true) } catch { exitWithError(ExitCode.error, error.description) }
            Output.out("Compacted with revision \(revision)\n")
        }
        if invocation.bool("auto-defrag") {
            for endpoint in endpoints {
                Output.out("Defragmenting \(GoFormat.quote(endpoint))\n")
                let single = ClientSetup.connect(setup.clientConfig(endpoints: [endpoint]))
                do { _ = try single.defragment() } catch { exitWithError(ExitCode.error, error.description) }
                Output.out("Defragmented \(GoFormat.quote(endpoint))\n")
            }
        }
    }

    /// process_resident_memory_bytes from the endpoint's /metrics.
    static func residentMemory(_ endpoint: String) -> Double? {
        guard let text = MetricsFetch.get(endpoint: endpoint, path: "/metrics") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("process_resident_memory_bytes ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}

/// Spaces the workload's requests at the rate limit until the deadline (rate.Limiter, burst 1).
final class Pacer: Sendable {
    private let interval: UInt64
    private let deadline: UInt64
    private let next = Mutex<UInt64>(0)

    init(interval: UInt64, deadline: UInt64) {
        self.interval = interval
        self.deadline = deadline
    }

    /// Waits for this caller's slot; false once the slots run past the deadline.
    func nextSlot() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let slot = next.withLock { value -> UInt64 in
            let slot = max(value, now)
            value = slot + interval
            return slot
        }
        guard slot < deadline else { return false }
        if slot > now { usleep(UInt32(min((slot - now) / 1000, 1_000_000))) }
        return true
    }
}
