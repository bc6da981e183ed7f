import Foundation
import Testing
@testable import benchmark

/// The benchmark tool's summary for the runs scripts make when polling a starting member
/// (`--total 1`): no sample, one sample, only errors. It must report, never trap.
struct BenchmarkSummaryTests {
    static func run(microseconds: [UInt64], errors: [String: Int] = [:], elapsedNanoseconds: UInt64 = 1_000_000) -> RunResult {
        var result = RunResult(errors: errors, elapsedNanoseconds: elapsedNanoseconds)
        for value in microseconds { result.record(microseconds: value) }
        return result
    }

    static func decode(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func noSampleAndNoTimeIsAllZeros() throws {
        let summary = Summary(result: Self.run(microseconds: [], elapsedNanoseconds: 0))
        #expect(summary.succeeded == 0)
        #expect([summary.totalSeconds, summary.slowest, summary.fastest, summary.average, summary.stddev,
                 summary.requestsPerSecond, summary.percentile(99)] == [0, 0, 0, 0, 0, 0, 0])
        #expect(summary.histogramBuckets().isEmpty)
        let object = try Self.decode(jsonReport(summary.result))
        #expect(object["requests"] as? Int == 0)
        #expect(object["errors"] as? Int == 0)
        #expect(runFailure(summary.result) == nil)
    }

    @Test func onlyErrorsIsAFailedRun() throws {
        let result = Self.run(microseconds: [], errors: ["etcdserver: no leader": 1])
        let object = try Self.decode(jsonReport(result))
        #expect(object["requests"] as? Int == 0)
        #expect(object["errors"] as? Int == 1)
        #expect(runFailure(result) == "all 1 requests failed (etcdserver: no leader)")
    }

    @Test func oneSampleIsItsOwnFastestSlowestAndEveryPercentile() throws {
        // 24,169 µs lies in a histogram bucket 16 µs wide: the extremes stay exact.
        let summary = Summary(result: Self.run(microseconds: [24_169], elapsedNanoseconds: 25_000_000))
        #expect(summary.fastest == 0.024169 && summary.slowest == 0.024169)
        #expect(summary.average == 0.024169)
        #expect(summary.stddev == 0)
        #expect(summary.percentile(50) == 0.024169 && summary.percentile(99.9) == 0.024169)
        #expect(abs(summary.requestsPerSecond - 40) < 1e-9)
        let buckets = summary.histogramBuckets()
        #expect(buckets.count == 11)
        #expect(buckets.map(\.count).reduce(0, +) == 1)
        #expect(runFailure(summary.result) == nil)
    }

    @Test func histogramCountsEveryRequestOnceBetweenFastestAndSlowest() {
        let samples: [UInt64] = [100, 150, 900, 2_500, 2_501, 17_000, 17_001, 17_002, 300_000, 1_000_000]
        let summary = Summary(result: Self.run(microseconds: samples))
        let buckets = summary.histogramBuckets()
        #expect(buckets.count == 11)
        #expect(buckets.map(\.count).reduce(0, +) == UInt64(samples.count))
        #expect(buckets.first?.upper == 0.0001 && buckets.last?.upper == 1.0)
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.upper <= $1.upper })
        // The nine samples under a tenth of the spread share the first buckets; the slowest ends the last.
        #expect(buckets.last?.count == 1)
        #expect(buckets[1].count + buckets[0].count == 8)
    }

    @Test func aRunStoppedEarlyIsAFailureEvenWithSuccesses() throws {
        var result = Self.run(microseconds: [500, 700])
        result.abortReason = "cannot connect to 127.0.0.1:1: connection refused"
        #expect(runFailure(result) == "stopped early: cannot connect to 127.0.0.1:1: connection refused")
        let object = try Self.decode(jsonReport(result))
        #expect(object["requests"] as? Int == 2)
        #expect(object["aborted"] as? String == "cannot connect to 127.0.0.1:1: connection refused")
    }

    @Test func dialTimeoutTakesGoDurations() {
        #expect(parseDuration("2s") == 2000)
        #expect(parseDuration("500ms") == 500)
        #expect(parseDuration("1.5s") == 1500)
        #expect(parseDuration("1m") == 60_000)
        #expect(parseDuration("3") == 3000)
        #expect(parseDuration("") == nil)
        #expect(parseDuration("-1s") == nil)
        #expect(parseDuration("fast") == nil)
        #expect(parseDuration("1e300s") == nil)
    }
}
