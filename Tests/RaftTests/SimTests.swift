// The deterministic simulator end to end: seeds pass, runs replay exactly, and every canary
// (a deliberately reintroduced bug) is caught by the checkers. Kept small: debug builds.

import Raft
import RaftSimulator
import Testing

@Suite("simulator")
struct SimTests {
    @Test("swarm seeds keep every safety property and make progress once healed")
    func seedsPass() {
        for seed in UInt64(1)...4 {
            let r = SimRunner.run(seed: seed)
            #expect(r.passed, "seed \(seed): \(r.violation.map { "\($0)" } ?? "")")
            #expect(r.livenessTicks != nil, "seed \(seed) never committed a post-heal proposal")
        }
    }

    @Test("1, 3, 5 and 7-node clusters run under faults", arguments: [1, 3, 5, 7])
    func clusterSizes(nodes: Int) {
        let r = SimRunner.run(seed: 21, nodes: nodes)
        #expect(r.options.nodes == nodes)
        #expect(r.passed, "\(r.violation.map { "\($0)" } ?? "")")
        #expect(r.commits > UInt64(nodes), "the cluster committed entries beyond its bootstrap")
        #expect(r.elections >= 1)
    }

    @Test("a seed replays exactly: the same trace hash twice, with or without the text")
    func deterministic() {
        let a = SimRunner.run(seed: 7)
        let b = SimRunner.run(seed: 7)
        let traced = SimRunner.run(seed: 7, keepTrace: true)
        #expect(a.traceHash == b.traceHash)
        #expect(a.events == b.events)
        #expect(traced.traceHash == a.traceHash)
        #expect(traced.trace.count == traced.events)
        #expect(traced.trace.first?.hasPrefix("t=0 seed 7 ") == true)
        #expect(SimRunner.run(seed: 8).traceHash != a.traceHash)
    }

    @Test("swarm testing draws a different fault mix per seed")
    func swarmVaries() {
        let mixes = Set((UInt64(1)...20).map { SimRunner.options(seed: $0).description })
        #expect(mixes.count == 20)
        let sizes = Set((UInt64(1)...40).map { SimRunner.options(seed: $0).nodes })
        #expect(sizes == [1, 3, 5, 7])
    }

    @Test("every canary is caught within 150 focused seeds", arguments: SimCanary.all)
    func canaryCaught(canary: SimCanary) {
        let (tried, caught) = SimRunner.hunt(canary: canary, seeds: 1...150, focused: true)
        #expect(caught != nil, "\(canary) survived \(tried) seeds")
        #expect(caught?.safetyViolated == true)
    }

    @Test("a vote sent before its fsync, then lost in a crash, shows as two leaders in one term")
    func lateVoteWithoutDurabilityChecker() {
        // With the durability checker off, only the consequence can catch the driver's canary:
        // the voter crashes before the late fsync, restarts in the old term, votes again.
        let (tried, caught) = SimRunner.hunt(canary: .votePersistedLate, seeds: 1...200, focused: true, checkDurability: false)
        #expect(caught != nil, "not caught in \(tried) seeds")
        #expect(caught?.violation?.kind == .twoLeaders)
    }

    @Test("a canary's catch replays: same seed, same violation, same hash")
    func canaryReplays() throws {
        let (_, first) = SimRunner.hunt(canary: .core(.keepConflictingSuffix), seeds: 1...60, focused: true)
        let caught = try #require(first)
        let again = SimRunner.run(seed: caught.seed, canary: .core(.keepConflictingSuffix), focused: true, keepTrace: true)
        #expect(again.traceHash == caught.traceHash)
        #expect(again.violation?.description == caught.violation?.description)
        #expect(again.trace.last?.contains("VIOLATION") == true)
    }

    @Test("canary names parse, including the driver's own")
    func canaryNames() {
        #expect(SimCanary(name: "votePersistedLate") == .votePersistedLate)
        #expect(SimCanary(name: "keepConflictingSuffix") == .core(.keepConflictingSuffix))
        #expect(SimCanary(name: "nope") == nil)
        #expect(SimCanary.all.count == RaftCanary.allCases.count + 1)
    }
}
