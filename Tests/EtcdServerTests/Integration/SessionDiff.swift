extension EtcdIntegration {
    /// One difference between the reference's and Keel's normalized output of a step.
    struct SessionMismatch: CustomStringConvertible, Sendable {
        var step: Int
        var commandLine: String
        var label: String
        var expected: String
        var got: String

        var description: String {
            "step \(step): \(commandLine)\n  [\(label)]\n" + Self.lineDiff(expected: expected, got: got)
        }

        /// A line diff ("-" reference only, "+" Keel only, " " both), from the longest common subsequence.
        static func lineDiff(expected: String, got: String, limit: Int = 60) -> String {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let b = got.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in stride(from: a.count - 1, through: 0, by: -1) {
                for j in stride(from: b.count - 1, through: 0, by: -1) {
                    lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
                }
            }
            var lines: [String] = []
            var i = 0, j = 0
            while i < a.count || j < b.count {
                if i < a.count, j < b.count, a[i] == b[j] {
                    lines.append("     " + a[i]); i += 1; j += 1
                } else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] {
                    lines.append("   + " + b[j]); j += 1
                } else {
                    lines.append("   - " + a[i]); i += 1
                }
            }
            let shown = lines.prefix(limit).joined(separator: "\n")
            return "   (- reference etcd, + Keel)\n" + shown + (lines.count > limit ? "\n   ... \(lines.count - limit) more lines" : "")
        }
    }

    /// Compares two normalized sessions step by step, observation by observation.
    /// Observations labelled "reference-only: ..." are checked separately, not compared.
    static func compareSessions(reference: [StepOutcome], referenceFacts: MemberFacts,
                                keel: [StepOutcome], keelFacts: MemberFacts,
                                maskRevisions: Bool = false) -> [SessionMismatch] {
        let normalizeReference = OutputNormalizer(facts: referenceFacts, maskRevisions: maskRevisions)
        let normalizeKeel = OutputNormalizer(facts: keelFacts, maskRevisions: maskRevisions)
        var mismatches: [SessionMismatch] = []
        for (expected, got) in zip(reference, keel) {
            let gotByLabel = Dictionary(got.observations.map { ($0.label, $0.text) }, uniquingKeysWith: { first, _ in first })
            for observation in expected.observations where !observation.label.hasPrefix("reference-only") {
                let want = normalizeReference.normalize(observation.text)
                let have = gotByLabel[observation.label].map(normalizeKeel.normalize) ?? "<missing>"
                if want != have {
                    mismatches.append(SessionMismatch(step: expected.index, commandLine: expected.commandLine,
                                                      label: observation.label, expected: want, got: have))
                }
            }
            let expectedLabels = Set(expected.observations.map(\.label))
            for extra in got.observations where !expectedLabels.contains(extra.label) && !extra.label.hasPrefix("reference-only") {
                mismatches.append(SessionMismatch(step: got.index, commandLine: got.commandLine, label: extra.label,
                                                  expected: "<missing>", got: normalizeKeel.normalize(extra.text)))
            }
        }
        return mismatches
    }
}
