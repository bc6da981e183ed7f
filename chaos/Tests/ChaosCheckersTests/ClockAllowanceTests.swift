import ChaosCheckers
import Testing

private let s: UInt64 = 1_000_000_000

@Suite("Leases under clock skew: what the skew explains is allowed, nothing more")
struct ClockAllowanceTests {
    // Renewed at 1 s with TTL 4 s, gone at 3.5 s: 2.5 s after the renewal.
    let early = LeaseRecord(lease: 7, key: "l/7", ttlSeconds: 4, aliveFrom: [0, 1 * s], lostAtNanos: 3 * s + s / 2)

    @Test func withoutClockFaultsAnEarlyExpiryIsCaught() {
        #expect(!LeaseChecker.check([early]).passed)
    }

    @Test func aLeaderRunningTwiceAsFastExplainsIt() {
        // At rate 2 a 4 s TTL lasts 2 s of real time: gone at 3.5 s ≥ 1 s + 2 s.
        let fast = ClockAllowance(windows: [.init(startNanos: 0, endNanos: 5 * s, rate: 2, jumpNanos: 0)])
        let v = LeaseChecker.check([early], clocks: fast)
        #expect(v.passed && v.detail.contains("1 expired early as the clock skew allows"))
    }

    @Test func aSlightlyFastClockDoesNot() {
        // At rate 1.25 the lease lasts 3.2 s: gone at 2.5 s is still too early.
        let slightly = ClockAllowance(windows: [.init(startNanos: 0, endNanos: 5 * s, rate: 1.25, jumpNanos: 0)])
        let v = LeaseChecker.check([early], clocks: slightly)
        #expect(!v.passed && v.detail.contains("clock allowance"))
    }

    @Test func aJumpDuringTheLeaseExplainsItButNotOneBefore() {
        let during = ClockAllowance(windows: [.init(startNanos: 2 * s, endNanos: 3 * s, rate: 1, jumpNanos: 2 * s)])
        #expect(LeaseChecker.check([early], clocks: during).passed)
        let before = ClockAllowance(windows: [.init(startNanos: s / 2, endNanos: s, rate: 1, jumpNanos: 2 * s)])
        #expect(!LeaseChecker.check([early], clocks: before).passed)
    }

    @Test func skewNeverExcusesAKeyOutlivingItsLease() {
        let r = LeaseRecord(lease: 8, key: "l/8", ttlSeconds: 4, aliveFrom: [0], lostAtNanos: 5 * s,
                            keyPresentAtEnd: true, endReadNanos: 6 * s)
        let skewed = ClockAllowance(windows: [.init(startNanos: 0, rate: 4, jumpNanos: 3 * s)])
        #expect(!LeaseChecker.check([r], clocks: skewed).passed)
    }
}
