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
            let reference = try runSession(DifferentialSession.steps, binary: IntegrationPaths.referenceEtcd)
            let snapshotStatus = reference.outcomes.flatMap(\.observations).first { $0.label.contains("snapshot status exit") }
            #expect(snapshotStatus?.text == "0", "etcdctl snapshot status failed on the reference server's snapshot")
            let keel = try runSession(DifferentialSession.steps, binary: keelBinary)
            compare(reference, keel, keelBinary: keelBinary, name: "differential")
        }

        /// NOSPACE: both members with a 1 MiB quota, filled until writes are refused.
        @Test(.enabled(if: IntegrationPaths.referenceEtcdInstalled,
                       "reference etcd 3.4 (/usr/bin/etcd, Debian etcd-server) is not installed"))
        func quotaAlarmSameOutput() throws {
            guard let keelBinary = requireKeelEtcd() else { return }
            let reference = try runSession(DifferentialSession.noSpace, binary: IntegrationPaths.referenceEtcd,
                                           extraArguments: DifferentialSession.quotaArguments)
            let keel = try runSession(DifferentialSession.noSpace, binary: keelBinary,
                                      extraArguments: DifferentialSession.quotaArguments)
            compare(reference, keel, keelBinary: keelBinary, name: "nospace", maskRevisions: true)
        }

        /// Auth (etcd issue #6): users, roles and permissions, each allowed and denied operation.
        @Test(.enabled(if: IntegrationPaths.referenceEtcdInstalled,
                       "reference etcd 3.4 (/usr/bin/etcd, Debian etcd-server) is not installed"))
        func authSessionSameOutput() throws {
            guard let keelBinary = requireKeelEtcd() else { return }
            let steps = AuthDifferentialSession.steps
            let reference = try runSession(steps, binary: IntegrationPaths.referenceEtcd,
                                           extraArguments: AuthDifferentialSession.serverArguments)
            let keel = try runSession(steps, binary: keelBinary, extraArguments: AuthDifferentialSession.serverArguments)
            compare(reference, keel, keelBinary: keelBinary, name: "auth")
        }

        /// Records one issue per mismatch (bounded) and writes the report and both normalized
        /// transcripts to the scratch directory.
        private func compare(_ reference: (outcomes: [StepOutcome], facts: MemberFacts),
                             _ keel: (outcomes: [StepOutcome], facts: MemberFacts),
                             keelBinary: String, name: String, maskRevisions: Bool = false) {
            let mismatches = compareSessions(reference: reference.outcomes, referenceFacts: reference.facts,
                                             keel: keel.outcomes, keelFacts: keel.facts, maskRevisions: maskRevisions)
            let reportPath = IntegrationPaths.scratch + "/\(name)-mismatches.txt"
            try? mismatches.map(\.description).joined(separator: "\n\n")
                .write(toFile: reportPath, atomically: true, encoding: .utf8)
            Self.writeTranscript(reference.outcomes, normalizer: OutputNormalizer(facts: reference.facts, maskRevisions: maskRevisions),
                                 to: "\(name)-reference-transcript.txt")
            Self.writeTranscript(keel.outcomes, normalizer: OutputNormalizer(facts: keel.facts, maskRevisions: maskRevisions),
                                 to: "\(name)-keel-transcript.txt")
            for mismatch in mismatches.prefix(60) {
                Issue.record(Comment(rawValue: mismatch.description))
            }
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

        private func runSession(_ steps: [SessionStep], binary: String,
                                extraArguments: [String] = []) throws -> (outcomes: [StepOutcome], facts: MemberFacts) {
            let member = try EtcdProcess.start(binary: binary, name: "itest", extraArguments: extraArguments)
            defer { member.destroy() }
            let runner = try SessionRunner(member: member, checkSnapshotStatus: true)
            let outcomes = try runner.run(steps)
            if let reason = runner.abortReason {
                Issue.record(Comment(rawValue: "session stopped early: " + reason))
            }
            return (outcomes, runner.facts)
        }
    }
}
