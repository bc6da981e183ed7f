import ChaosCheckers
import Foundation

/// The record of one run: what was done to the cluster, how many operations, the verdicts.
struct RunSummary: Codable {
    var scenario: String
    var seed: UInt64
    var members: Int
    var runDir: String
    var replay: String
    var faults: [FaultEvent] = []
    var proxyResets = 0
    var operations = 0
    var ok = 0
    var failed = 0
    var unknown = 0
    var checkerSeconds = 0.0
    var storeEvents = 0
    var unknownNeverApplied = 0
    var verdicts: [Verdict] = []
    /// The whole-store txn workload's operations (all, ok, fail, unknown).
    var txns = TxnCounts()

    var passed: Bool { !verdicts.isEmpty && verdicts.allSatisfy(\.passed) }

    mutating func count(_ history: [RegisterOperation]) {
        operations = history.count
        ok = history.filter { $0.outcome == .ok }.count
        failed = history.filter { $0.outcome == .fail }.count
        unknown = history.filter { $0.outcome == .unknown }.count
    }

    var lines: [String] {
        var kinds: [String: Int] = [:]
        for f in faults { kinds[f.kind.rawValue, default: 0] += 1 }
        let faultText = kinds.keys.sorted().map { "\($0)×\(kinds[$0]!)" }.joined(separator: ", ")
        var out = [
            "faults: \(faults.count)" + (faults.isEmpty ? "" : " (\(faultText))") + ", proxy connection resets: \(proxyResets)",
            "ops: \(operations) (ok \(ok), fail \(failed), unknown \(unknown), of which never applied \(unknownNeverApplied)); store events \(storeEvents); search \(String(format: "%.2f", checkerSeconds))s",
        ]
        if txns.operations > 0 {
            out.append("txns: \(txns.operations) (ok \(txns.ok), fail \(txns.failed), unknown \(txns.unknown)) over \(txns.keys) keys")
        }
        for v in verdicts {
            out.append("\(v.label) \(v.check): \(v.detail)")
            out += v.evidence.prefix(12).map { "    \($0)" }
        }
        out.append("timeline: \(runDir)/\(TimelineReport.fileName) (faults against throughput and latency)")
        out.append("verdict: \(passed ? "PASS" : "FAIL") \(scenario) seed \(seed); results in \(runDir)")
        if !passed { out.append("replay: \(replay)  (data dirs kept in \(runDir))") }
        return out
    }
}

enum RunReport {
    /// history.jsonl (one operation per line), summary.json and summary.txt in the run folder.
    static func write(_ summary: RunSummary, history: [RegisterOperation]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var lines = Data()
        for op in history {
            if let line = try? encoder.encode(op) { lines.append(line); lines.append(0x0A) }
        }
        try? lines.write(to: URL(fileURLWithPath: summary.runDir + "/history.jsonl"))
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let json = try? encoder.encode(summary) {
            try? json.write(to: URL(fileURLWithPath: summary.runDir + "/summary.json"))
        }
        try? Data(summary.lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: summary.runDir + "/summary.txt"))
    }
}
