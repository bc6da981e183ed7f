import ChaosCheckers

/// Builds register histories for the checker tests; times are in milliseconds.
struct HistoryBuilder {
    private(set) var ops: [RegisterOperation] = []

    mutating func write(_ value: String, _ start: UInt64, _ end: UInt64?, key: String = "k", client: Int = 0,
                        outcome: RegisterOperation.Outcome = .ok, revision: Int64? = nil) {
        add(.init(id: ops.count, client: client, key: key, kind: .write, value: value, revision: revision,
                  invokeNanos: start * 1_000_000, completeNanos: end.map { $0 * 1_000_000 }, outcome: outcome))
    }

    mutating func read(_ value: String?, _ start: UInt64, _ end: UInt64, key: String = "k", client: Int = 0,
                       outcome: RegisterOperation.Outcome = .ok) {
        add(.init(id: ops.count, client: client, key: key, kind: .read, value: value,
                  invokeNanos: start * 1_000_000, completeNanos: end * 1_000_000, outcome: outcome))
    }

    mutating func cas(_ expected: String?, _ new: String, succeeded: Bool?, _ start: UInt64, _ end: UInt64?,
                      key: String = "k", client: Int = 0, outcome: RegisterOperation.Outcome = .ok) {
        add(.init(id: ops.count, client: client, key: key, kind: .cas, value: new, expected: expected, succeeded: succeeded,
                  invokeNanos: start * 1_000_000, completeNanos: end.map { $0 * 1_000_000 }, outcome: outcome))
    }

    private mutating func add(_ op: RegisterOperation) { ops.append(op) }

    var verdict: Verdict { LinearizabilityChecker.verdict(ops) }
}
