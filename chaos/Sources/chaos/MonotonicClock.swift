import Glibc

/// Nanoseconds on CLOCK_MONOTONIC since the run began: immune to wall-clock steps.
struct MonotonicClock: Sendable {
    let origin: UInt64

    init() { origin = MonotonicClock.raw() }

    static func raw() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    var nanos: UInt64 { MonotonicClock.raw() - origin }
    var seconds: Double { Double(nanos) / 1e9 }
}
