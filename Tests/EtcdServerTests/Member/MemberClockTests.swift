import Foundation
import Testing
@testable import EtcdServer

@Suite struct MemberClockTests {
    @Test func parsesRateAndOffset() throws {
        #expect(try ClockSkew.parse("rate=1.5 offset_ms=3000").get() == ClockSkew(rate: 1.5, offsetMilliseconds: 3000))
        #expect(try ClockSkew.parse("offset_ms=0\nrate=0.5\n").get() == ClockSkew(rate: 0.5, offsetMilliseconds: 0))
    }

    @Test func rejectsBadContents() {
        for bad in ["", "rate=1.5", "offset_ms=10", "rate=fast offset_ms=0", "rate=0 offset_ms=0", "rate=nan offset_ms=0",
                    "rate=1 offset_ms=-5", "rate=1 offset_ms=0 speed=2", "rate 1 offset_ms 0"] {
            guard case .failure(let error) = ClockSkew.parse(bad) else {
                Issue.record("accepted \"\(bad)\"")
                continue
            }
            #expect(error.description.hasPrefix("bad clock control file"), "\(bad): \(error)")
        }
    }

    @Test func rateChangesKeepTheClockContinuous() {
        var t = SkewedTime(realMilliseconds: 1000)
        #expect(t.now(real: 2000) == 2000)
        t.set(ClockSkew(rate: 1.5, offsetMilliseconds: 0), real: 2000)
        #expect(t.now(real: 2000) == 2000)
        #expect(t.now(real: 4000) == 5000)  // 2 s real at 1.5 = 3 s member time
        t.set(ClockSkew(rate: 0.5, offsetMilliseconds: 0), real: 4000)
        #expect(t.now(real: 6000) == 6000)  // 2 s real at 0.5 = 1 s
        t.set(.real, real: 6000)
        #expect(t.now(real: 7000) == 7000)
    }

    @Test func offsetJumpsForwardOnceAndNeverBack() {
        var t = SkewedTime(realMilliseconds: 0)
        t.set(ClockSkew(rate: 1, offsetMilliseconds: 3000), real: 1000)
        #expect(t.now(real: 1000) == 4000)
        t.set(ClockSkew(rate: 1, offsetMilliseconds: 3000), real: 2000)  // same offset: no second jump
        #expect(t.now(real: 2000) == 5000)
        t.set(ClockSkew(rate: 1, offsetMilliseconds: 0), real: 3000)  // lower offset: ignored
        #expect(t.now(real: 3000) == 6000)
        #expect(t.skew.offsetMilliseconds == 3000)
        #expect(t.jumpedMilliseconds == 3000)
    }

    @Test func ticksFollowTheRateAndAJumpIsCapped() {
        var ticks = TickAccount(heartbeatMilliseconds: 100, maxTicksAtOnce: 10, realMilliseconds: 0)
        var real: UInt64 = 0
        func run(_ milliseconds: UInt64, rate: Double, jumped: UInt64 = 0) -> Int {
            var total = 0
            for _ in 0..<(milliseconds / 20) {
                real += 20
                total += ticks.take(realMilliseconds: real, rate: rate, jumpedMilliseconds: jumped)
            }
            return total
        }
        #expect(run(1000, rate: 1) == 10)
        #expect(run(1000, rate: 1.5) == 15)  // 50 % fast
        #expect(run(1000, rate: 0.5) == 5)
        // A 5 s jump pays one election timeout's worth at once, the rest is forgiven.
        real += 20
        #expect(ticks.take(realMilliseconds: real, rate: 1, jumpedMilliseconds: 5000) == 10)
        #expect(run(1000, rate: 1, jumped: 5000) == 10)
        // A jump shorter than the cap is paid in full.
        real += 20
        #expect(ticks.take(realMilliseconds: real, rate: 1, jumpedMilliseconds: 5300) == 3)
    }

    @Test func aStalledLoopGetsOneTickNotACatchUp() {
        var ticks = TickAccount(heartbeatMilliseconds: 100, maxTicksAtOnce: 10, realMilliseconds: 0)
        #expect(ticks.take(realMilliseconds: 3000, rate: 1, jumpedMilliseconds: 0) == 1)  // like a late repeating timer
        #expect(ticks.take(realMilliseconds: 3050, rate: 1, jumpedMilliseconds: 0) == 0)
        #expect(ticks.take(realMilliseconds: 3100, rate: 1, jumpedMilliseconds: 0) == 1)
    }

    @Test func controlFileBaselinesThenAppliesChangesAndLogsBadContents() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keel-clock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("clock").path
        let logPath = dir.appendingPathComponent("log").path
        let log = try Logger(level: .info, outputs: [logPath])
        var control = ClockControl(path: file, realMilliseconds: 0)

        try "rate=1 offset_ms=7000".write(toFile: file, atomically: true, encoding: .utf8)
        control.reload(realMilliseconds: 0, log: log)
        #expect(control.time.now(real: 1000) == 1000)  // an offset present at start is the baseline

        try "rate=2 offset_ms=9000".write(toFile: file, atomically: true, encoding: .utf8)
        control.reload(realMilliseconds: 1000, log: log)
        #expect(control.time.now(real: 1000) == 3000)  // jumped 2 s
        #expect(control.time.now(real: 2000) == 5000)  // then runs at double speed

        try "rate=oops offset_ms=9000".write(toFile: file, atomically: true, encoding: .utf8)
        control.reload(realMilliseconds: 2000, log: log)
        control.reload(realMilliseconds: 2100, log: log)
        #expect(control.time.now(real: 3000) == 7000)  // bad contents change nothing
        #expect(control.time.skew == ClockSkew(rate: 2, offsetMilliseconds: 9000))

        let logged = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(logged.components(separatedBy: "ignoring the clock control file").count - 1 == 1)  // once per problem
        #expect(logged.contains("rate must be a number"))
        #expect(logged.contains("member clock skew changed"))
    }
}
