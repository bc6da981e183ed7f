/// One client operation reduced to what a timeline shows: when it ran and whether it succeeded.
public struct TimedOperation: Sendable, Equatable {
    public var invokeNanos: UInt64
    /// nil when the outcome is unknown (the operation never completed).
    public var completeNanos: UInt64?
    public var ok: Bool

    public init(invokeNanos: UInt64, completeNanos: UInt64?, ok: Bool) {
        self.invokeNanos = invokeNanos
        self.completeNanos = completeNanos
        self.ok = ok
    }

    public var latencyMilliseconds: Double? {
        completeNanos.map { Double($0 &- invokeNanos) / 1e6 }
    }
}

/// One slice of a run: how many operations completed in it and how long they took.
public struct TimelineBucket: Sendable, Equatable {
    public var startSeconds: Double
    /// Ok operations that completed in the bucket.
    public var ok: Int
    /// Operations that failed or whose outcome stayed unknown, by when they ended (unknown:
    /// by when they were invoked).
    public var notOk: Int
    /// Ok completions per second.
    public var throughput: Double
    /// Latency percentiles of the ok operations completed in the bucket (nil: none).
    public var p50Milliseconds: Double?
    public var p99Milliseconds: Double?
}

/// Cuts a history into fixed buckets for the timeline report.
public enum TimelineSeries {
    public static func buckets(_ ops: [TimedOperation], widthSeconds: Double, untilSeconds: Double) -> [TimelineBucket] {
        precondition(widthSeconds > 0, "bucket width must be positive")
        let count = max(1, Int((untilSeconds / widthSeconds).rounded(.up)))
        var latencies = [[Double]](repeating: [], count: count)
        var notOk = [Int](repeating: 0, count: count)
        func index(_ nanos: UInt64) -> Int { min(count - 1, Int(Double(nanos) / 1e9 / widthSeconds)) }
        for op in ops {
            if op.ok, let latency = op.latencyMilliseconds, let end = op.completeNanos {
                latencies[index(end)].append(latency)
            } else {
                notOk[index(op.completeNanos ?? op.invokeNanos)] += 1
            }
        }
        return (0..<count).map { i in
            let sorted = latencies[i].sorted()
            return TimelineBucket(startSeconds: Double(i) * widthSeconds, ok: sorted.count, notOk: notOk[i],
                                  throughput: Double(sorted.count) / widthSeconds,
                                  p50Milliseconds: percentile(sorted, 0.50), p99Milliseconds: percentile(sorted, 0.99))
        }
    }

    /// Nearest-rank percentile of sorted values (nil when there are none).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    /// A round upper bound for an axis (1, 2 or 5 times a power of ten) at least `value`.
    public static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        while power > value { power /= 10 }
        for step in [1.0, 2.0, 5.0, 10.0] where step * power >= value { return step * power }
        return 10 * power
    }
}
