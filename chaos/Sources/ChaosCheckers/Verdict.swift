/// The outcome of one check: its name, whether it passed, and the evidence when it did not.
public struct Verdict: Codable, Sendable, Equatable {
    public var check: String
    public var passed: Bool
    /// Whether the check could not decide (for example the search gave up); not a pass.
    public var inconclusive: Bool
    public var detail: String
    public var evidence: [String]

    public init(check: String, passed: Bool, inconclusive: Bool = false, detail: String, evidence: [String] = []) {
        self.check = check
        self.passed = passed
        self.inconclusive = inconclusive
        self.detail = detail
        self.evidence = evidence
    }

    public var label: String { passed ? "PASS" : (inconclusive ? "UNKNOWN" : "FAIL") }
}

extension LinearizabilityChecker {
    /// One verdict for the whole history, from the per-key results.
    public static func verdict(_ history: [RegisterOperation], maxStepsPerKey: Int = 20_000_000,
                               secondsPerKey: Double = 30) -> Verdict {
        let keys = check(history, maxStepsPerKey: maxStepsPerKey, secondsPerKey: secondsPerKey)
        let checked = keys.reduce(0) { $0 + $1.operations }
        let bad = keys.filter { $0.result == .notLinearizable }
        let gaveUp = keys.filter { $0.result == .gaveUp }
        if let first = bad.first {
            return Verdict(check: "linearizability", passed: false,
                           detail: "\(bad.count) of \(keys.count) keys not linearizable (\(checked) ops checked); first: \(first.key)",
                           evidence: first.witness)
        }
        if !gaveUp.isEmpty {
            return Verdict(check: "linearizability", passed: false, inconclusive: true,
                           detail: "search gave up on \(gaveUp.map(\.key).joined(separator: ", ")) (\(checked) ops)")
        }
        return Verdict(check: "linearizability", passed: true, detail: "\(keys.count) keys, \(checked) ops linearizable")
    }
}
