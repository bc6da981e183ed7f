import Foundation
import Testing

extension EtcdIntegration {
    /// The same etcdctl session against the reference etcd 3.4 and against Keel's etcd;
    /// outputs must match after normalizing only what legitimately differs.
    @Suite(.serialized) struct Differential {
        @Test(.enabled(if: IntegrationPaths.referenceEtcdInstalled,
                       "reference etcd 3.4 (/usr/bin/etcd, Debian etcd-server) is not installed"))
        func sameSessionSameOutput() throws {
            guard let keelBinary = requireKeelEtcd() else { return }
            let (reference, referenceFacts) = try runSession(binary: IntegrationPaths.referenceEtcd, isReference: true)
            let (keel, keelFacts) = try runSession(binary: keelBinary, isReference: false)

            let snapshotStatus = reference.flatMap(\.observations).first { $0.label.contains("snapshot status exit") }
            #expect(snapshotStatus?.text == "0", "etcdctl snapshot status failed on the reference server's snapshot")

            let mismatches = compareSessions(reference: reference, referenceFacts: referenceFacts,
                                             keel: keel, keelFacts: keelFacts)
            let report = mismatches.map(\.description).joined(separator: "\n\n")
            let reportPath = IntegrationPaths.scratch + "/differential-mismatches.txt"
            try? report.write(toFile: reportPath, atomically: true, encoding: .utf8)
            for mismatch in mismatches.prefix(60) {
                Issue.record(Comment(rawValue: mismatch.description))
            }
            Self.writeTranscript(reference, normalizer: OutputNormalizer(facts: referenceFacts), to: "reference-transcript.txt")
            Self.writeTranscript(keel, normalizer: OutputNormalizer(facts: keelFacts), to: "keel-transcript.txt")
            let identical = mismatches.isEmpty
            #expect(identical, "\(mismatches.count) mismatches with \(keelBinary); all of them in \(reportPath)")
        }

        /// The normalized outputs of a whole session, for reading when a comparison fails.
        static func writeTranscript(_ outcomes: [StepOutcome], normalizer: OutputNormalizer, to name: String) {
            let text = outcomes.map { outcome in
                "### step \(outcome.index): \(outcome.commandLine)\n" + outcome.observations.map {
                    "[\($0.label)]\n" + normalizer.normalize($0.text)
                }.joined(separator: "\n")
            }.joined(separator: "\n")
            try? text.write(toFile: IntegrationPaths.scratch + "/" + name, atomically: true, encoding: .utf8)
        }

        private func runSession(binary: String, isReference: Bool) throws -> ([StepOutcome], MemberFacts) {
            let member = try EtcdProcess.start(binary: binary, name: "itest")
            defer { member.destroy() }
            let runner = try SessionRunner(member: member, checkSnapshotStatus: true)
            let outcomes = try runner.run(DifferentialSession.steps)
            if let reason = runner.abortReason {
                Issue.record(Comment(rawValue: "session stopped early: " + reason))
            }
            return (outcomes, runner.facts)
        }
    }
}
