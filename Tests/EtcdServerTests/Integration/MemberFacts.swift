import Foundation

extension EtcdIntegration {
    /// What legitimately differs between two members running the same session: IDs, ports,
    /// leases and scratch paths. The normalizer replaces exactly these values, nothing looser.
    struct MemberFacts: Sendable {
        var memberID: UInt64
        var clusterID: UInt64
        var clientPort: UInt16
        var peerPort: UInt16
        var tmp: String
        var leases: [(name: String, id: UInt64)] = []

        /// Reads the cluster and member IDs from `endpoint status -w json`, or failing that from
        /// `member list -w json` (as text: JSON numbers this large don't survive a Double). When
        /// neither works the IDs stay 0 (never replaced) and the session's diffs show why.
        static func discover(member: EtcdProcess, tmp: String) throws -> MemberFacts {
            var facts = MemberFacts(memberID: 0, clusterID: 0, clientPort: member.clientPort,
                                    peerPort: member.peerPort, tmp: tmp)
            for command in [["endpoint", "status", "-w", "json"], ["member", "list", "-w", "json"]] {
                let result = try etcdctl(["--endpoints", member.endpoint] + command)
                if result.exitCode == 0,
                   let cluster = firstNumber(after: "\"cluster_id\":", in: result.stdout),
                   let memberID = firstNumber(after: "\"member_id\":", in: result.stdout) {
                    facts.clusterID = cluster
                    facts.memberID = memberID
                    break
                }
            }
            return facts
        }

        static func firstNumber(after marker: String, in text: String) -> UInt64? {
            guard let range = text.range(of: marker) else { return nil }
            return UInt64(text[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
