import ChaosCheckers
import Testing

@Suite("Timeline buckets: throughput and latency per slice")
struct TimelineSeriesTests {
    static func op(_ invokeMs: UInt64, _ completeMs: UInt64?, ok: Bool = true) -> TimedOperation {
        TimedOperation(invokeNanos: invokeMs * 1_000_000, completeNanos: completeMs.map { $0 * 1_000_000 }, ok: ok)
    }

    @Test func opsFallInTheBucketOfTheirCompletion() {
        let ops = [Self.op(0, 10), Self.op(100, 240), Self.op(200, 260), Self.op(300, 400, ok: false), Self.op(600, nil, ok: false)]
        let b = TimelineSeries.buckets(ops, widthSeconds: 0.25, untilSeconds: 1)
        #expect(b.count == 4)
        #expect(b.map(\.ok) == [2, 1, 0, 0])
        #expect(b.map(\.notOk) == [0, 1, 1, 0])  // failed by completion, unknown by invocation
        #expect(b[0].throughput == 8)  // 2 ops in a quarter second
        #expect(b[0].p50Milliseconds == 10 && b[0].p99Milliseconds == 140)
        #expect(b[1].p50Milliseconds == 60)
        #expect(b[3].p50Milliseconds == nil)
    }

    @Test func lateCompletionsLandInTheLastBucket() {
        let b = TimelineSeries.buckets([Self.op(900, 5_000)], widthSeconds: 0.5, untilSeconds: 1)
        #expect(b.count == 2 && b[1].ok == 1)
    }

    @Test func percentilesUseTheNearestRank() {
        let values = (1...100).map(Double.init)
        #expect(TimelineSeries.percentile(values, 0.5) == 50)
        #expect(TimelineSeries.percentile(values, 0.99) == 99)
        #expect(TimelineSeries.percentile([7], 0.99) == 7)
        #expect(TimelineSeries.percentile([], 0.5) == nil)
    }

    @Test func axesEndOnRoundNumbers() {
        #expect(TimelineSeries.niceCeiling(0) == 1)
        #expect(TimelineSeries.niceCeiling(7) == 10)
        #expect(TimelineSeries.niceCeiling(120) == 200)
        #expect(TimelineSeries.niceCeiling(1500) == 2000)
        #expect(TimelineSeries.niceCeiling(0.3) == 0.5)
        #expect(TimelineSeries.niceCeiling(200) == 200)
    }
}
