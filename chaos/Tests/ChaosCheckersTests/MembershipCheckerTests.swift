import ChaosCheckers
import Testing

@Suite("Membership check")
struct MembershipCheckerTests {
    static func entry(_ id: UInt64, _ name: String, learner: Bool = false, clients: Bool = true) -> MembershipChecker.Entry {
        .init(id: id, name: name, peerURLs: ["http://127.0.0.1:\(20_000 + id)"],
              clientURLs: clients ? ["http://127.0.0.1:\(30_000 + id)"] : [], isLearner: learner)
    }

    static let three = [entry(1, "m1"), entry(2, "m2"), entry(3, "m3")]

    static func views(_ lists: [[MembershipChecker.Entry]?]) -> [MembershipChecker.View] {
        lists.enumerated().map { i, list in .init(member: "m\(i + 1)", selfID: UInt64(i + 1), entries: list, error: list == nil ? "timeout" : nil) }
    }

    @Test func agreeingListsOfTheRunningMembersPass() {
        // Order within a list does not matter.
        let verdict = MembershipChecker.check(Self.views([Self.three, Self.three.reversed(), Self.three]), expectedNames: ["m1", "m2", "m3"])
        #expect(verdict.passed)
    }

    @Test func aMemberThatStillListsTheRemovedMemberFails() {
        let stale = [Self.entry(1, "m1"), Self.entry(4, "m2"), Self.entry(3, "m3")]
        let verdict = MembershipChecker.check(Self.views([Self.three, stale, Self.three]), expectedNames: ["m1", "m2", "m3"])
        #expect(!verdict.passed && verdict.detail.contains("disagree"))
    }

    @Test func aLeftOverLearnerOrMissingMemberFails() {
        let learner = [Self.entry(1, "m1"), Self.entry(2, "m2", learner: true), Self.entry(3, "m3")]
        #expect(!MembershipChecker.check(Self.views([learner, learner, learner]), expectedNames: ["m1", "m2", "m3"]).passed)
        let two = Array(Self.three.prefix(2))
        let missing = MembershipChecker.check(Self.views([two, two, two]), expectedNames: ["m1", "m2", "m3"])
        #expect(!missing.passed && missing.detail.contains("expected"))
    }

    @Test func silenceOrAnUnpublishedMemberFails() {
        #expect(!MembershipChecker.check(Self.views([Self.three, nil, Self.three]), expectedNames: ["m1", "m2", "m3"]).passed)
        let unpublished = [Self.entry(1, "m1"), Self.entry(2, "m2", clients: false), Self.entry(3, "m3")]
        #expect(!MembershipChecker.check(Self.views([unpublished, unpublished, unpublished]), expectedNames: ["m1", "m2", "m3"]).passed)
    }

    @Test func aMemberAnsweringUnderAnotherIDFails() {
        var views = Self.views([Self.three, Self.three, Self.three])
        views[1].selfID = 9  // m2 answers as a member the list does not hold
        #expect(!MembershipChecker.check(views, expectedNames: ["m1", "m2", "m3"]).passed)
    }
}
