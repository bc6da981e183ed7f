import Foundation
import Histogram

/// The numbers etcd's benchmark prints, in seconds, from latencies recorded in microseconds.
struct Summary {
    let result: RunResult
    /// Full floating-point precision (etcd's --precise) instead of four decimals.
    var precise = false
    static let percentiles: [Double] = [10, 25, 50, 75, 90, 95, 99, 99.9]

    var succeeded: UInt64 { result.latencies.totalCount }
    var totalSeconds: Double { Double(result.elapsedNanoseconds) / 1e9 }
    // The histogram keeps the exact extremes; everything else is within its 3 significant digits.
    var slowest: Double { succeeded == 0 ? 0 : seconds(result.latencies.maxRecorded) }
    var fastest: Double { succeeded == 0 ? 0 : seconds(result.latencies.min) }
    var average: Double { succeeded == 0 ? 0 : min(max(result.latencies.mean / 1e6, fastest), slowest) }
    var stddev: Double { succeeded == 0 ? 0 : result.latencies.stdDeviation / 1e6 }
    var requestsPerSecond: Double { totalSeconds > 0 ? Double(succeeded) / totalSeconds : 0 }

    func seconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1e6 }
    func percentile(_ p: Double) -> Double {
        succeeded == 0 ? 0 : min(max(seconds(result.latencies.valueAtPercentile(p)), fastest), slowest)
    }

    /// etcd's report histogram: bucket i (of 11) counts the latencies above bucket i-1's upper
    /// bound and up to fastest + i/10 of the spread; the last bucket ends at the slowest.
    /// Every recorded latency lands in exactly one bucket, so the counts add up to `succeeded`.
    func histogramBuckets() -> [(upper: Double, count: UInt64)] {
        guard succeeded > 0 else { return [] }
        let low = result.latencies.min, high = result.latencies.maxRecorded
        let uppers = (0...Summary.histogramSteps).map { step in
            step == Summary.histogramSteps ? high : low + (high - low) * UInt64(step) / UInt64(Summary.histogramSteps)
        }
        var counts = [UInt64](repeating: 0, count: uppers.count)
        for recorded in result.latencies.recordedValues() {
            // A histogram bucket stands for a small value range; its exact values lie within
            // [low, high], so clamping keeps the rounding from pushing it past either end.
            let value = min(max(result.latencies.medianEquivalentForValue(recorded.value), low), high)
            let index = uppers.firstIndex { value <= $0 } ?? uppers.count - 1
            counts[index] += UInt64(recorded.count)
        }
        return zip(uppers, counts).map { (seconds($0), $1) }
    }

    static let histogramSteps = 10

    func printText() {
        var out = "\nSummary:\n"
        out += "  Total:\t\(fmt(totalSeconds)) secs.\n"
        out += "  Slowest:\t\(fmt(slowest)) secs.\n"
        out += "  Fastest:\t\(fmt(fastest)) secs.\n"
        out += "  Average:\t\(fmt(average)) secs.\n"
        out += "  Stddev:\t\(fmt(stddev)) secs.\n"
        out += "  Requests/sec:\t\(fmt(requestsPerSecond))\n"
        let buckets = histogramBuckets()
        if !buckets.isEmpty {
            out += "\nResponse time histogram:\n"
            let largest = buckets.map(\.count).max() ?? 1
            for (upper, count) in buckets {
                let bar = largest == 0 ? 0 : Int(count * 40 / largest)
                out += "  \(fmt(upper)) [\(count)]\t|\(String(repeating: "∎", count: bar))\n"
            }
            out += "\nLatency distribution:\n"
            for p in Summary.percentiles {
                out += "  \(percentLabel(p))% in \(fmt(percentile(p))) secs.\n"
            }
        }
        if !result.errors.isEmpty {
            out += "\nError distribution:\n"
            for (message, count) in result.errors.sorted(by: { $0.key < $1.key }) {
                out += "  [\(count)]\t\(message)\n"
            }
        }
        if let reason = result.abortReason { out += "\nStopped early: \(reason)\n" }
        print(out, terminator: "")
    }

    func jsonObject() -> [String: Any] {
        var object: [String: Any] = [
            "total": totalSeconds, "slowest": slowest, "fastest": fastest, "average": average,
            "stddev": stddev, "rps": requestsPerSecond, "requests": succeeded,
            "errors": result.errors.values.reduce(0, +),
        ]
        var percentiles: [String: Double] = [:]
        for p in Summary.percentiles { percentiles["p\(percentLabel(p))"] = percentile(p) }
        object["percentiles"] = percentiles
        object["histogram"] = histogramBuckets().map { ["le": $0.upper, "count": $0.count] as [String: Any] }
        if !result.errors.isEmpty { object["error_messages"] = result.errors }
        if let reason = result.abortReason { object["aborted"] = reason }
        return object
    }

    private func fmt(_ value: Double) -> String { precise ? String(value) : String(format: "%.4f", value) }
    private func percentLabel(_ p: Double) -> String { p == p.rounded() ? String(Int(p)) : String(p) }
}

/// Prints a run as etcd's benchmark does: one summary, or (txn-mixed, watch) one per part under
/// its title. The JSON form is the overall summary with the parts under "parts".
func printReport(_ result: RunResult, json: Bool, precise: Bool = false, title: (_ kind: String, _ part: Summary) -> String) {
    if json {
        print(jsonReport(result))
        return
    }
    guard !result.parts.isEmpty else {
        Summary(result: result, precise: precise).printText()
        return
    }
    for part in result.parts {
        let summary = Summary(result: part.result, precise: precise)
        print(title(part.kind, summary), terminator: "")
        summary.printText()
    }
    if let reason = result.abortReason { print("\nStopped early: \(reason)") }
}

/// The overall summary as one JSON object, with the parts (txn-mixed, watch) under "parts".
func jsonReport(_ result: RunResult) -> String {
    var object = Summary(result: result).jsonObject()
    if !result.parts.isEmpty {
        var parts: [String: Any] = [:]
        for part in result.parts { parts[part.kind] = Summary(result: part.result).jsonObject() }
        object["parts"] = parts
    }
    do {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    } catch {
        // Only a non-finite number can fail here; the summary guards against those, so this
        // is a bug worth reporting rather than a reason to crash.
        fatalBenchmarkError("cannot encode the summary as JSON: \(error)")
    }
}

/// Why a finished run does not count as a measurement: it stopped early, or every request
/// failed (a run with no requests and no errors, e.g. watch-get's Gets, is not a failure).
func runFailure(_ result: RunResult) -> String? {
    if let reason = result.abortReason { return "stopped early: \(reason)" }
    let errors = result.errors.values.reduce(0, +)
    if result.latencies.totalCount == 0 && errors > 0 {
        return "all \(errors) requests failed (\(result.errors.keys.sorted().joined(separator: "; ")))"
    }
    return nil
}
