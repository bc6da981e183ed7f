import ChaosCheckers
import Testing

@Suite("Leases: keys live exactly while their lease does")
struct LeaseCheckerTests {
    static let s: UInt64 = 1_000_000_000

    @Test func leasesKeptAliveAndKeysPresentPass() {
        let r = LeaseRecord(lease: 1, key: "l/1", ttlSeconds: 4, aliveFrom: [0, 1 * Self.s, 2 * Self.s],
                            keyPresentAtEnd: true, endReadNanos: 3 * Self.s)
        #expect(LeaseChecker.check([r]).passed)
    }

    @Test func aLeaseExpiringAfterATTLWithoutRenewalPasses() {
        // Last renewal at 1s, TTL 4s, gone at 6s, key gone too.
        let r = LeaseRecord(lease: 2, key: "l/2", ttlSeconds: 4, aliveFrom: [0, 1 * Self.s], lostAtNanos: 6 * Self.s,
                            keyPresentAtEnd: false, endReadNanos: 7 * Self.s)
        #expect(LeaseChecker.check([r]).passed)
    }

    @Test func aLeaseRevokedWhileRenewedIsCaught() {
        let r = LeaseRecord(lease: 3, key: "l/3", ttlSeconds: 4, aliveFrom: [0, 1 * Self.s, 2 * Self.s], lostAtNanos: 3 * Self.s)
        let v = LeaseChecker.check([r])
        #expect(!v.passed && v.evidence.contains { $0.contains("gone at 3000ms") && $0.contains("6000ms") })
    }

    @Test func aKeyMissingAtTheEndWhileRenewedIsCaught() {
        let r = LeaseRecord(lease: 4, key: "l/4", ttlSeconds: 4, aliveFrom: [0, 5 * Self.s], keyPresentAtEnd: false, endReadNanos: 6 * Self.s)
        #expect(!LeaseChecker.check([r]).passed)
    }

    @Test func aKeyOutlivingItsLeaseIsCaught() {
        let r = LeaseRecord(lease: 5, key: "l/5", ttlSeconds: 4, aliveFrom: [0], lostAtNanos: 5 * Self.s,
                            keyPresentAtEnd: true, endReadNanos: 6 * Self.s)
        let v = LeaseChecker.check([r])
        #expect(!v.passed && v.evidence.contains { $0.contains("still present") })
    }
}
