import ChaosCheckers
import Foundation

/// One clock fault, drawn from the step's seeded pick: the member's clock runs fast, runs slow,
/// or jumps forward. Healing restores rate 1; a jump stays jumped (the server's clock is
/// monotonic: it never goes back, like CLOCK_MONOTONIC after a process pause).
struct ClockSkewPlan: Equatable {
    var rate: Double
    var jumpMilliseconds: UInt64

    static let fastRates: ClosedRange<Double> = 1.5...4.0
    /// Down to 0.05: below 0.1 a leader heartbeats less than once per follower election timeout
    /// and can be voted out while it still believes it leads (its ReadIndex rounds must fail).
    static let slowRates: ClosedRange<Double> = 0.05...0.5
    static let jumps: ClosedRange<UInt64> = 2000...6000

    static func draw(pick: UInt64) -> ClockSkewPlan {
        var rng = SeededGenerator(seed: pick).derived(0x434C4B)
        let rounded = { (r: Double) in (r * 100).rounded() / 100 }
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return ClockSkewPlan(rate: rounded(Double.random(in: fastRates, using: &rng)), jumpMilliseconds: 0)
        case 1: return ClockSkewPlan(rate: rounded(Double.random(in: slowRates, using: &rng)), jumpMilliseconds: 0)
        default: return ClockSkewPlan(rate: 1, jumpMilliseconds: UInt64.random(in: jumps, using: &rng) / 100 * 100)
        }
    }

    var description: String {
        if jumpMilliseconds > 0 { return "clock jumps +\(jumpMilliseconds)ms" }
        return "clock rate \(rate)x (" + (rate > 1 ? "fast" : "slow") + ")"
    }
}

extension NemesisRunner {
    /// How late a member may apply a control file change: it re-reads the file every 100 ms.
    static let clockApplyLatencyNanos: UInt64 = 300_000_000

    /// Skews member `t`'s clock as the pick draws it; returns the fault's description.
    func skewClock(_ t: Int, pick: UInt64) -> String {
        let member = cluster.members[t]
        let plan = ClockSkewPlan.draw(pick: pick)
        let current = cluster.clock(member) ?? .real
        let next = ClockSetting(rate: plan.rate, offsetMilliseconds: current.offsetMilliseconds + plan.jumpMilliseconds)
        do { try cluster.setClock(member, next) } catch {
            FileHandle.standardError.write(Data("chaos: skewing \(member.name)'s clock failed: \(error)\n".utf8))
            return "failed: \(error)"
        }
        clockWindows.append(.init(startNanos: clock.nanos, rate: plan.rate, jumpNanos: plan.jumpMilliseconds * 1_000_000))
        return plan.description
    }

    /// Every skewed clock back to rate 1 (offsets kept); open windows end now.
    func healClocks() {
        guard cluster.clockControl else { return }
        for m in cluster.members {
            guard let current = cluster.clock(m), current.rate != 1 else { continue }
            do { try cluster.setClock(m, ClockSetting(rate: 1, offsetMilliseconds: current.offsetMilliseconds)) } catch {
                FileHandle.standardError.write(Data("chaos: restoring \(m.name)'s clock failed: \(error)\n".utf8))
            }
        }
        let now = clock.nanos
        for i in clockWindows.indices where clockWindows[i].endNanos == nil { clockWindows[i].endNanos = now }
    }

    var clockAllowance: ClockAllowance { ClockAllowance(windows: clockWindows, latencyNanos: Self.clockApplyLatencyNanos) }
}

extension FaultKind {
    var skewsClock: Bool { self == .clockSkewLeader || self == .clockSkewFollower }
}
