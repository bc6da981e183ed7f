import Foundation
import Histogram

/// The numbers etcd's benchmark prints, in seconds, from latencies recorded in microseconds.
struct Summary {
    let result: RunResult
    static let percentiles: [Double] = [10, 25, 50, 75, 90, 95, 99, 99.9]

    var succeeded: UInt64 { result.latencies.totalCount }
    var totalSeconds: Double { Double(result.elapsedNanoseconds) / 1e9 }
    var slowest: Double { seconds(result.latencies.max) }
    var fastest: Double { succeeded == 0 ? 0 : seconds(result.latencies.min) }
    var average: Double { succeeded == 0 ? 0 : result.latencies.mean / 1e6 }
    var stddev: Double { succeeded == 0 ? 0 : result.latencies.stdDeviation / 1e6 }
    var requestsPerSecond: Double { totalSeconds > 0 ? Double(succeeded) / totalSeconds : 0 }

    func seconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1e6 }
    func percentile(_ p: Double) -> Double { succeeded == 0 ? 0 : seconds(result.latencies.valueAtPercentile(p)) }

    /// Ten equal-width buckets between fastest and slowest, as etcd's report draws them.
    func histogramBuckets() -> [(upper: Double, count: UInt64)] {
        guard succeeded > 0 else { return [] }
        let low = result.latencies.min, high = result.latencies.max
        let step = max((high - low) / 10, 1)
        var buckets: [(Double, UInt64)] = []
        var lower = low
        for bucket in 0..<11 {
            let upper = bucket == 10 ? high : min(low + step * UInt64(bucket), high)
            let count = bucket == 0 ? result.latencies.count(within: low...low)
                                    : (upper > lower ? result.latencies.count(within: (lower + 1)...upper) : 0)
            buckets.append((seconds(upper), count))
            lower = max(lower, upper)
        }
        return buckets
    }

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
        return object
    }

    private func fmt(_ value: Double) -> String { String(format: "%.4f", value) }
    private func percentLabel(_ p: Double) -> String { p == p.rounded() ? String(Int(p)) : String(p) }
}

/// Prints a run as etcd's benchmark does: one summary, or (txn-mixed, watch) one per part under
/// its title. The JSON form is the overall summary with the parts under "parts".
func printReport(_ result: RunResult, json: Bool, title: (_ kind: String, _ part: Summary) -> String) {
    if json {
        var object = Summary(result: result).jsonObject()
        if !result.parts.isEmpty {
            var parts: [String: Any] = [:]
            for part in result.parts { parts[part.kind] = Summary(result: part.result).jsonObject() }
            object["parts"] = parts
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        return
    }
    guard !result.parts.isEmpty else {
        Summary(result: result).printText()
        return
    }
    for part in result.parts {
        let summary = Summary(result: part.result)
        print(title(part.kind, summary), terminator: "")
        summary.printText()
    }
}
