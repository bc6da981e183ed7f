import EventLoop
import Foundation

/// The member's clock for everything whose correctness depends on elapsed time: Raft ticks
/// (heartbeats, election timeouts, check-quorum), lease expiry, keepalive renewal, lease
/// checkpoints, simple-token TTLs and periodic auto-compaction. By default it is the loop's
/// monotonic millisecond clock (`uv_now`), read directly: one nil check per read, no timer.
///
/// Test and chaos runs can skew it while the member runs: with `KEEL_CLOCK_CONTROL=<path>` the
/// member re-reads that file every 100 ms (see `ClockControl` for the format). A rate above 1
/// makes the member's time run fast (its leases expire early in real time, it times out
/// elections early), below 1 slow; a growing offset jumps it forward. It never goes back.
///
/// Left on the real loop clock on purpose: request deadlines (they bound how long a client
/// waits, in real time), leader-transfer and membership waits, metrics and log timestamps.
/// JWT expiry uses the wall clock, as etcd does.
final class MemberClock {
    static let controlEnvironmentVariable = "KEEL_CLOCK_CONTROL"
    static let reloadEveryMilliseconds: UInt64 = 100

    private let loop: EventLoop
    private var control: ClockControl?

    init(loop: EventLoop, controlPath: String? = ProcessInfo.processInfo.environment[MemberClock.controlEnvironmentVariable]) {
        self.loop = loop
        if let controlPath, !controlPath.isEmpty { control = ClockControl(path: controlPath, realMilliseconds: loop.nowMilliseconds) }
    }

    var nowMilliseconds: UInt64 {
        guard let control else { return loop.nowMilliseconds }
        return control.time.now(real: loop.nowMilliseconds)
    }

    /// Calls `tick(n)` with the Raft ticks owed, one per `heartbeatMilliseconds` of member time.
    /// Uncontrolled: one plain repeating timer, one tick each. Controlled: the control file is
    /// re-read every 100 ms (a read of a few bytes on the loop thread, test runs only) and a
    /// finer timer pays out ticks by the skewed clock (see `TickAccount`).
    func startTicking(heartbeatMilliseconds: UInt64, maxTicksAtOnce: Int, log: Logger,
                      _ tick: @escaping (Int) -> Void) -> [LoopTimer] {
        guard var started = control else {
            return [loop.scheduleRepeating(everyMilliseconds: heartbeatMilliseconds) { tick(1) }]
        }
        log.warn("member clock is under test control", ["path": .string(started.path)])
        started.reload(realMilliseconds: loop.nowMilliseconds, log: log)
        control = started
        var account = TickAccount(heartbeatMilliseconds: heartbeatMilliseconds, maxTicksAtOnce: maxTicksAtOnce,
                                  realMilliseconds: loop.nowMilliseconds, jumpedMilliseconds: started.time.jumpedMilliseconds)
        let reloader = loop.scheduleRepeating(everyMilliseconds: Self.reloadEveryMilliseconds) { [unowned self] in
            control?.reload(realMilliseconds: loop.nowMilliseconds, log: log)
        }
        let ticker = loop.scheduleRepeating(everyMilliseconds: max(1, heartbeatMilliseconds / 5)) { [unowned self] in
            guard let time = control?.time else { return }
            let owed = account.take(realMilliseconds: loop.nowMilliseconds, rate: time.skew.rate,
                                    jumpedMilliseconds: time.jumpedMilliseconds)
            if owed > 0 { tick(owed) }
        }
        return [reloader, ticker]
    }
}

/// Raft ticks owed by a clock that may run fast, slow or jump: one per heartbeat of member
/// time. Like the plain repeating timer it replaces, a stall of the loop itself (the process
/// paused or starved) credits at most one heartbeat: only the skew makes ticks come faster,
/// not a late timer. A jump is credited in full, at most `maxTicksAtOnce` ticks at once (a
/// jump longer than an election timeout looks like one election timeout passing).
struct TickAccount {
    let heartbeatMilliseconds: UInt64
    let maxTicksAtOnce: Int
    private var lastReal: UInt64
    private var lastJumped: UInt64
    /// Member milliseconds credited but not yet paid out as ticks.
    private(set) var creditMilliseconds: Double = 0

    init(heartbeatMilliseconds: UInt64, maxTicksAtOnce: Int, realMilliseconds: UInt64, jumpedMilliseconds: UInt64 = 0) {
        precondition(heartbeatMilliseconds > 0 && maxTicksAtOnce > 0, "a tick needs a positive interval and payout")
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.maxTicksAtOnce = maxTicksAtOnce
        lastReal = realMilliseconds
        lastJumped = jumpedMilliseconds
    }

    /// The ticks owed now, given the real time, the clock's current rate and the total of its
    /// jumps so far.
    mutating func take(realMilliseconds real: UInt64, rate: Double, jumpedMilliseconds jumped: UInt64) -> Int {
        let elapsed = real > lastReal ? min(real - lastReal, heartbeatMilliseconds) : 0
        let jump = jumped > lastJumped ? jumped - lastJumped : 0
        lastReal = max(lastReal, real)
        lastJumped = max(lastJumped, jumped)
        creditMilliseconds += Double(elapsed) * rate + Double(jump)
        let owed = Int(creditMilliseconds / Double(heartbeatMilliseconds))
        guard owed > 0 else { return 0 }
        if owed > maxTicksAtOnce {
            creditMilliseconds = 0  // the rest of a long jump is forgiven
            return maxTicksAtOnce
        }
        creditMilliseconds -= Double(owed * Int(heartbeatMilliseconds))
        return owed
    }
}

/// What the control file asks for: a rate and a cumulative forward offset.
struct ClockSkew: Equatable, Sendable {
    /// Member milliseconds per real millisecond (1.5 runs 50 % fast, 0.5 half speed).
    var rate: Double
    /// The total forward jump asked for so far. Raising it by N jumps the clock N ms forward;
    /// lowering it does nothing (a monotonic clock does not go back).
    var offsetMilliseconds: UInt64

    static let real = ClockSkew(rate: 1, offsetMilliseconds: 0)
    static let rates: ClosedRange<Double> = 0.05...20

    /// The file's text: `rate=<r> offset_ms=<n>` (whitespace or newlines between, both required).
    static func parse(_ text: String) -> Result<ClockSkew, ClockControlError> {
        var rate: Double?
        var offset: UInt64?
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            let parts = token.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return .failure(.malformed("expected key=value, got \"\(token)\"")) }
            switch parts[0] {
            case "rate":
                guard let r = Double(parts[1]), r.isFinite, rates.contains(r) else {
                    return .failure(.malformed("rate must be a number in \(rates.lowerBound)...\(rates.upperBound), got \"\(parts[1])\""))
                }
                rate = r
            case "offset_ms":
                guard let o = UInt64(parts[1]) else {
                    return .failure(.malformed("offset_ms must be a non-negative integer, got \"\(parts[1])\""))
                }
                offset = o
            default:
                return .failure(.malformed("unknown key \"\(parts[0])\" (known: rate, offset_ms)"))
            }
        }
        guard let rate, let offset else { return .failure(.malformed("both rate and offset_ms are required")) }
        return .success(ClockSkew(rate: rate, offsetMilliseconds: offset))
    }
}

enum ClockControlError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case malformed(String)

    var description: String {
        switch self {
        case .unreadable(let why): "cannot read the clock control file: \(why)"
        case .malformed(let why): "bad clock control file: \(why)"
        }
    }
}

/// Member time as a piecewise-linear function of real time: continuous where the rate changes,
/// stepping forward where the offset grows, never backward.
struct SkewedTime: Equatable {
    private(set) var anchorReal: UInt64
    private(set) var anchorMember: UInt64
    private(set) var skew: ClockSkew
    /// The total of the forward jumps made since the baseline.
    private(set) var jumpedMilliseconds: UInt64 = 0

    /// Starts equal to real time with `skew.rate`; `skew.offsetMilliseconds` is the baseline
    /// (what was already jumped before this process started counts as done).
    init(realMilliseconds: UInt64, skew: ClockSkew = .real) {
        anchorReal = realMilliseconds
        anchorMember = realMilliseconds
        self.skew = skew
    }

    func now(real: UInt64) -> UInt64 {
        guard real > anchorReal else { return anchorMember }
        return anchorMember + UInt64(Double(real - anchorReal) * skew.rate)
    }

    mutating func set(_ new: ClockSkew, real: UInt64) {
        let current = now(real: real)
        let jump = new.offsetMilliseconds > skew.offsetMilliseconds ? new.offsetMilliseconds - skew.offsetMilliseconds : 0
        anchorReal = max(real, anchorReal)
        anchorMember = current + jump
        jumpedMilliseconds += jump
        skew = ClockSkew(rate: new.rate, offsetMilliseconds: max(new.offsetMilliseconds, skew.offsetMilliseconds))
    }
}

/// The control file and the member time it currently gives. The first good read sets the
/// baseline offset without jumping (a member restarted mid-run does not replay old jumps).
/// A missing or bad file keeps the current skew and logs once per distinct problem.
struct ClockControl {
    let path: String
    private(set) var time: SkewedTime
    private var baselined = false
    private var lastProblem: ClockControlError?

    init(path: String, realMilliseconds: UInt64) {
        self.path = path
        time = SkewedTime(realMilliseconds: realMilliseconds)
    }

    mutating func reload(realMilliseconds: UInt64, log: Logger) {
        switch read() {
        case .failure(let problem):
            if problem != lastProblem { log.warn("ignoring the clock control file", ["path": .string(path), "error": .string("\(problem)")]) }
            lastProblem = problem
        case .success(let skew):
            lastProblem = nil
            if !baselined {
                baselined = true
                time = SkewedTime(realMilliseconds: realMilliseconds, skew: ClockSkew(rate: 1, offsetMilliseconds: skew.offsetMilliseconds))
            }
            guard skew != time.skew else { return }
            let before = time.skew
            time.set(skew, real: realMilliseconds)
            log.info("member clock skew changed", [
                "rate": .string("\(skew.rate)"), "previous-rate": .string("\(before.rate)"),
                "jump-ms": .int(Int64(time.skew.offsetMilliseconds - before.offsetMilliseconds)),
            ])
        }
    }

    private func read() -> Result<ClockSkew, ClockControlError> {
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.unreadable("no such file or unreadable")) }
        guard data.count <= 4096, let text = String(data: data, encoding: .utf8) else {
            return .failure(.malformed("not a short UTF-8 text"))
        }
        return ClockSkew.parse(text)
    }
}
