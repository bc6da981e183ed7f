/// Checks on the cluster's final state, from facts the harness gathered after healing.
public enum EndOfRunChecks {
    /// One member's answer to Maintenance.HashKV at the common revision (nil: no answer).
    public struct MemberHash: Sendable, Equatable {
        public var member: String
        public var hash: UInt32?
        public var compactRevision: Int64?
        public var error: String?

        public init(member: String, hash: UInt32?, compactRevision: Int64?, error: String? = nil) {
            self.member = member
            self.hash = hash
            self.compactRevision = compactRevision
            self.error = error
        }
    }

    /// Every member must answer, with the same hash, at the same revision.
    public static func hashesAgree(revision: Int64, _ hashes: [MemberHash]) -> Verdict {
        let lines = hashes.map { h in
            "\(h.member): " + (h.hash.map { "hash \($0) compact \(h.compactRevision ?? 0)" } ?? "no answer (\(h.error ?? "?"))")
        }
        let missing = hashes.filter { $0.hash == nil }
        if !missing.isEmpty {
            return Verdict(check: "hashkv", passed: false, detail: "\(missing.count) member(s) gave no hash at revision \(revision)", evidence: lines)
        }
        let distinct = Set(hashes.compactMap(\.hash))
        guard distinct.count <= 1 else {
            return Verdict(check: "hashkv", passed: false, detail: "members disagree at revision \(revision)", evidence: lines)
        }
        return Verdict(check: "hashkv", passed: true, detail: "\(hashes.count) members agree at revision \(revision)")
    }

    /// What a historical read at an acknowledged write's revision returned.
    public struct WriteProbe: Sendable, Equatable {
        public var operation: RegisterOperation
        /// The key's value at the write's revision (nil: absent).
        public var observedValue: String?
        public var observedModRevision: Int64?
        public var error: String?

        public init(operation: RegisterOperation, observedValue: String?, observedModRevision: Int64?, error: String? = nil) {
            self.operation = operation
            self.observedValue = observedValue
            self.observedModRevision = observedModRevision
            self.error = error
        }
    }

    /// Every acknowledged write (put, or cas that succeeded) must be in the store's history:
    /// at the revision it was acknowledged with, the key holds that value, modified then.
    public static func acknowledgedWritesPresent(_ probes: [WriteProbe]) -> Verdict {
        var lost: [String] = []
        for probe in probes {
            let op = probe.operation
            if let error = probe.error {
                lost.append("\(op.summary): read at revision \(op.revision ?? 0) failed: \(error)")
            } else if probe.observedValue != op.value || probe.observedModRevision != op.revision {
                lost.append("\(op.summary): at revision \(op.revision ?? 0) found \(probe.observedValue ?? "nil") (mod \(probe.observedModRevision ?? 0))")
            }
        }
        if !lost.isEmpty {
            return Verdict(check: "acknowledged-writes", passed: false, detail: "\(lost.count) of \(probes.count) acknowledged writes missing",
                           evidence: Array(lost.prefix(10)))
        }
        return Verdict(check: "acknowledged-writes", passed: true, detail: "\(probes.count) acknowledged writes present")
    }

    /// The operations `acknowledgedWritesPresent` needs probes for.
    public static func acknowledgedWrites(_ history: [RegisterOperation]) -> [RegisterOperation] {
        history.filter { $0.outcome == .ok && $0.revision != nil && ($0.kind == .write || ($0.kind == .cas && $0.succeeded == true)) }
    }

    /// One member's answer to a write sent after healing.
    public struct ProgressProbe: Sendable, Equatable {
        public var member: String
        public var error: String?

        public init(member: String, error: String?) {
            self.member = member
            self.error = error
        }
    }

    /// After healing, every member must accept a write within the harness's bound.
    public static func progressAfterHeal(_ probes: [ProgressProbe]) -> Verdict {
        let failed = probes.filter { $0.error != nil }
        if !failed.isEmpty {
            return Verdict(check: "progress", passed: false, detail: "\(failed.count) of \(probes.count) members made no progress after healing",
                           evidence: failed.map { "\($0.member): \($0.error!)" })
        }
        return Verdict(check: "progress", passed: true, detail: "all \(probes.count) members accepted a write after healing")
    }
}
