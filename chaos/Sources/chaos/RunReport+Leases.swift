import ChaosCheckers
import Foundation

extension RunReport {
    /// leases.json: every lease record the checker judged (grant, renewals, loss, end read), in
    /// run nanoseconds like the fault times in summary.json, to line leases up with faults.
    static func writeLeases(_ records: [LeaseRecord], runDir: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let json = try? encoder.encode(records) { try? json.write(to: URL(fileURLWithPath: runDir + "/leases.json")) }
    }
}
