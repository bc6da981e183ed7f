/// How far the members' clocks were skewed during a run, so the lease checker can tell a lease
/// that expired early because a clock ran fast or jumped (what etcd does too: a lease's TTL is
/// measured on the leader's clock, and etcd promises nothing under clock skew) from one that
/// expired early for no reason. Empty for runs without clock faults: then the check is exact.
public struct ClockAllowance: Codable, Sendable, Equatable {
    /// One clock fault: from `startNanos` to `endNanos` (nil: until the end) some member's clock
    /// ran at `rate`; at `startNanos` it jumped `jumpNanos` forward (jumps are never undone).
    public struct Window: Codable, Sendable, Equatable {
        public var startNanos: UInt64
        public var endNanos: UInt64?
        public var rate: Double
        public var jumpNanos: UInt64

        public init(startNanos: UInt64, endNanos: UInt64? = nil, rate: Double, jumpNanos: UInt64) {
            self.startNanos = startNanos
            self.endNanos = endNanos
            self.rate = rate
            self.jumpNanos = jumpNanos
        }

        func overlaps(_ from: UInt64, _ to: UInt64) -> Bool { startNanos <= to && (endNanos ?? .max) >= from }
    }

    public var windows: [Window]
    /// How long after a window's recorded start its member may first apply it (members re-read
    /// their clock control file periodically), and after its end may still run skewed.
    public var latencyNanos: UInt64

    public init(windows: [Window] = [], latencyNanos: UInt64 = 0) {
        self.windows = windows
        self.latencyNanos = latencyNanos
    }

    public static let none = ClockAllowance()

    /// The earliest real time a lease renewed at `renewed` with `ttlNanos` may be gone, judged
    /// at `observed`. Conservatively any member's clock counts (a skewed follower may lead
    /// later): the member's time between the two is at most `maxRate × real time + jumps`, and
    /// the lease ends once that reaches the TTL, so it lives at least (TTL − jumps) / maxRate.
    func earliestExpiry(renewed: UInt64, ttlNanos: UInt64, observed: UInt64) -> UInt64 {
        let slack = latencyNanos
        let during = windows.filter { $0.overlaps(renewed > slack ? renewed - slack : 0, observed) }
        guard !during.isEmpty else { return renewed + ttlNanos }
        let maxRate = max(1, during.map(\.rate).max()!)
        // A jump counts if its member may have applied it after the renewal.
        let jumps = during.filter { $0.startNanos + slack >= renewed && $0.startNanos <= observed }.reduce(0) { $0 + $1.jumpNanos }
        let left = ttlNanos > jumps ? ttlNanos - jumps : 0
        return renewed + UInt64(Double(left) / maxRate)
    }

    public var description: String {
        guard !windows.isEmpty else { return "" }
        let rate = windows.map(\.rate).max()!
        let jumps = windows.reduce(0) { $0 + $1.jumpNanos } / 1_000_000
        return "clock allowance: fastest rate \(rate)x, jumps \(jumps)ms in total"
    }
}
