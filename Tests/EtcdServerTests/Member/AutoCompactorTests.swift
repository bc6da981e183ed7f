import Testing
@testable import EtcdServer

@Suite struct AutoCompactorTests {
    @Test func revisionModeKeepsTheLastNRevisions() {
        var c = AutoCompactor(mode: .revision(100))
        #expect(c.decide(nowMilliseconds: 0, currentRevision: 50) == nil)
        #expect(c.decide(nowMilliseconds: 300_000, currentRevision: 250) == 150)
        #expect(c.decide(nowMilliseconds: 600_000, currentRevision: 250) == nil)  // nothing new
        #expect(c.decide(nowMilliseconds: 900_000, currentRevision: 400) == 300)
    }

    @Test func periodicModeCompactsToTheRevisionSeenOneRetentionAgo() {
        var c = AutoCompactor(mode: .periodic(.seconds(3600)))
        #expect(c.checkIntervalMilliseconds == 360_000)
        var decisions: [Int64] = []
        for step in 0...20 {
            // One revision per second of history.
            let now = UInt64(step) * 360_000
            if let r = c.decide(nowMilliseconds: now, currentRevision: Int64(now / 1000) + 1) { decisions.append(r) }
        }
        #expect(decisions.first == 1)  // after one hour: the revision of time 0
        #expect(decisions.last == 3601)  // after two hours: the revision of one hour in
        #expect(decisions == decisions.sorted())
    }

    @Test func disabledNeverCompacts() {
        var c = AutoCompactor(mode: .disabled)
        #expect(c.checkIntervalMilliseconds == nil)
        #expect(c.decide(nowMilliseconds: 10_000_000, currentRevision: 1000) == nil)
    }
}
