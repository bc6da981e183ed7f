import ChaosCheckers
import Foundation

/// Counts of the txn workload's operations for the summary.
struct TxnCounts: Codable {
    var operations = 0
    var ok = 0
    var failed = 0
    var unknown = 0
    var keys = 0

    init() {}

    init(_ history: [TxnOperation], keys: Int) {
        operations = history.count
        ok = history.filter { $0.outcome == .ok }.count
        failed = history.filter { $0.outcome == .fail }.count
        unknown = history.filter { $0.outcome == .unknown }.count
        self.keys = keys
    }
}

extension ChaosRun {
    static let txnKeys = 8

    /// The txn workload's key prefix: inside the run's prefix, so the watch checkers see its
    /// multi-key revisions too.
    static func txnPrefix(_ keyPrefix: String) -> String { keyPrefix + "/txn/" }

    /// Strict serializability of the txns, with the store's own history under their prefix
    /// placing the writes whose outcome the clients never learned.
    static func checkTxns(_ history: [TxnOperation], events: [StoreEvent], keyPrefix: String) -> Verdict {
        let prefix = txnPrefix(keyPrefix)
        return TxnChecker.check(history, storeEvents: events.filter { $0.key.hasPrefix(prefix) })
    }

    /// txn-history.jsonl (one txn a line) and timeline.html in the run folder.
    static func writeTxnAndTimeline(_ summary: RunSummary, registers: [RegisterOperation], txns: [TxnOperation], seconds: Double) {
        if !txns.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var lines = Data()
            for op in txns {
                if let line = try? encoder.encode(op) { lines.append(line); lines.append(0x0A) }
            }
            try? lines.write(to: URL(fileURLWithPath: summary.runDir + "/txn-history.jsonl"))
        }
        var series = [TimelineReport.Series(name: "registers", color: "#1f77b4",
                                            ops: registers.map { .init(invokeNanos: $0.invokeNanos, completeNanos: $0.completeNanos, ok: $0.outcome == .ok) })]
        if !txns.isEmpty {
            series.append(.init(name: "txns", color: "#e377c2",
                                ops: txns.map { .init(invokeNanos: $0.invokeNanos, completeNanos: $0.completeNanos, ok: $0.outcome == .ok) }))
        }
        let last = (registers.compactMap(\.completeNanos) + txns.compactMap(\.completeNanos)).max().map { Double($0) / 1e9 } ?? 0
        TimelineReport.write(summary, seconds: max(seconds, last), series: series)
    }
}
