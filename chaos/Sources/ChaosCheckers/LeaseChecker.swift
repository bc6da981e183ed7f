/// What one lease client saw: a lease granted, one key attached, a keepalive sent every second
/// (each waiting for its answer), and at the end whether the key was still there.
public struct LeaseRecord: Codable, Sendable, Equatable {
    public var lease: Int64
    public var key: String
    /// The TTL the server granted (seconds).
    public var ttlSeconds: Int64
    /// Invoke times (monotonic ns) of keepalives answered with a positive TTL, and of the put
    /// that attached the key (a fresh lease lives a full TTL from its grant).
    public var aliveFrom: [UInt64]
    /// When a keepalive answer said the lease was gone (its completion time), if one did.
    public var lostAtNanos: UInt64?
    /// The end-of-run read of the key: whether it exists, and when the read completed.
    public var keyPresentAtEnd: Bool?
    public var endReadNanos: UInt64?

    public init(lease: Int64, key: String, ttlSeconds: Int64, aliveFrom: [UInt64], lostAtNanos: UInt64? = nil,
                keyPresentAtEnd: Bool? = nil, endReadNanos: UInt64? = nil) {
        self.lease = lease
        self.key = key
        self.ttlSeconds = ttlSeconds
        self.aliveFrom = aliveFrom
        self.lostAtNanos = lostAtNanos
        self.keyPresentAtEnd = keyPresentAtEnd
        self.endReadNanos = endReadNanos
    }

    /// The earliest the lease may legitimately expire: a TTL after the last renewal sent before
    /// `time` (an answered keepalive sent at t keeps the lease at least until t + TTL).
    /// With clock faults in the run, the bound shrinks as `ClockAllowance` explains.
    func earliestExpiry(before time: UInt64, clocks: ClockAllowance = .none) -> UInt64? {
        aliveFrom.filter { $0 < time }.max().map {
            clocks.earliestExpiry(renewed: $0, ttlNanos: UInt64(ttlSeconds) * 1_000_000_000, observed: time)
        }
    }
}

/// Keys live exactly as long as their leases: a lease may not be gone (keepalive answers "not
/// found", or its key absent at the end) before a TTL has passed since its last renewal; and a
/// lease reported gone may not leave its key behind (etcd #12528: a deposed leader revoking
/// leases the real leader kept alive). Under clock faults the first rule allows what the skew
/// explains (`ClockAllowance`); the second holds regardless.
public enum LeaseChecker {
    public static func check(_ records: [LeaseRecord], clocks: ClockAllowance = .none) -> Verdict {
        let problems = self.problems(records, clocks: clocks)
        if !problems.isEmpty {
            let allowance = clocks.windows.isEmpty ? "" : " (\(clocks.description))"
            return Verdict(check: "leases", passed: false, detail: "\(problems.count) of \(records.count) leases broke their TTL\(allowance)",
                           evidence: Array(problems.prefix(10)))
        }
        let lost = records.filter { $0.lostAtNanos != nil }.count
        var detail = "\(records.count) leases: keys lived while renewed (\(lost) expired after a TTL without renewal)"
        if !clocks.windows.isEmpty {
            // Said out loud: how many expiries only the skew explains (the exact rule fails them).
            let explained = self.problems(records, clocks: .none).count
            detail += "; \(explained) expired early as the clock skew allows; \(clocks.description)"
        }
        return Verdict(check: "leases", passed: true, detail: detail)
    }

    static func problems(_ records: [LeaseRecord], clocks: ClockAllowance) -> [String] {
        var problems: [String] = []
        for r in records {
            let name = "lease \(String(r.lease, radix: 16)) (\(r.key), TTL \(r.ttlSeconds)s)"
            if let lost = r.lostAtNanos, let earliest = r.earliestExpiry(before: lost, clocks: clocks), lost < earliest {
                problems.append("\(name): gone at \(ms(lost)) though renewed until at least \(ms(earliest))")
            }
            if let present = r.keyPresentAtEnd, let end = r.endReadNanos {
                if !present, r.lostAtNanos == nil, let earliest = r.earliestExpiry(before: end, clocks: clocks), end < earliest {
                    problems.append("\(name): key absent at \(ms(end)) though renewed until at least \(ms(earliest))")
                }
                if present, r.lostAtNanos != nil {
                    problems.append("\(name): key still present at the end after the lease was reported gone")
                }
            }
        }
        return problems
    }

    static func ms(_ nanos: UInt64) -> String { "\(nanos / 1_000_000)ms" }
}
