#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds, to bound a search in time.
enum CheckerClock {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
