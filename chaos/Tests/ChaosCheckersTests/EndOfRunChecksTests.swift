import ChaosCheckers
import Testing

@Suite("End-of-run checks")
struct EndOfRunChecksTests {
    @Test func hashesMustAgreeAndAllMembersAnswer() {
        let agree = EndOfRunChecks.hashesAgree(revision: 9, [
            .init(member: "m1", hash: 42, compactRevision: 0), .init(member: "m2", hash: 42, compactRevision: 0),
        ])
        #expect(agree.passed)
        let differ = EndOfRunChecks.hashesAgree(revision: 9, [
            .init(member: "m1", hash: 42, compactRevision: 0), .init(member: "m2", hash: 43, compactRevision: 0),
        ])
        #expect(!differ.passed && differ.detail.contains("disagree"))
        let silent = EndOfRunChecks.hashesAgree(revision: 9, [
            .init(member: "m1", hash: 42, compactRevision: 0), .init(member: "m2", hash: nil, compactRevision: nil, error: "timeout"),
        ])
        #expect(!silent.passed)
    }

    @Test func acknowledgedWriteMustBeInTheStoreHistory() {
        let write = RegisterOperation(id: 1, client: 0, key: "k", kind: .write, value: "7", revision: 12,
                                      invokeNanos: 0, completeNanos: 5, outcome: .ok)
        let failedCas = RegisterOperation(id: 2, client: 0, key: "k", kind: .cas, value: "8", expected: "1", succeeded: false,
                                          revision: 13, invokeNanos: 6, completeNanos: 9, outcome: .ok)
        #expect(EndOfRunChecks.acknowledgedWrites([write, failedCas]) == [write])
        let present = EndOfRunChecks.acknowledgedWritesPresent([.init(operation: write, observedValue: "7", observedModRevision: 12)])
        #expect(present.passed)
        let lost = EndOfRunChecks.acknowledgedWritesPresent([.init(operation: write, observedValue: "6", observedModRevision: 10)])
        #expect(!lost.passed && lost.evidence.count == 1)
    }

    @Test func everyMemberMustProgressAfterHealing() {
        #expect(EndOfRunChecks.progressAfterHeal([.init(member: "m1", error: nil)]).passed)
        #expect(!EndOfRunChecks.progressAfterHeal([.init(member: "m1", error: nil), .init(member: "m2", error: "no leader")]).passed)
    }

    @Test func seededGeneratorIsDeterministic() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        #expect((0..<4).map { _ in a.next() } == (0..<4).map { _ in b.next() })
        var c = SeededGenerator(seed: 5).derived(1), d = SeededGenerator(seed: 5).derived(2)
        #expect(c.next() != d.next())
    }
}
