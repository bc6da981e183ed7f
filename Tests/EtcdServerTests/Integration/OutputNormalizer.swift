import Foundation

extension EtcdIntegration {
    /// Turns one member's etcdctl output into text comparable with another member's: exact
    /// replacement of that member's IDs, lease IDs, ports and paths, plus patterns for values
    /// that legitimately differ (raft term and index, db size, server version, timings, log
    /// timestamps, client UUIDs). Revisions, keys, values, counts, hashes and messages stay.
    struct OutputNormalizer {
        let facts: MemberFacts
        /// For sessions whose revisions depend on backend sizes (the NOSPACE session).
        var maskRevisions = false

        func normalize(_ text: String) -> String {
            var out = text.replacingOccurrences(of: facts.tmp, with: "<TMP>")
            for (name, id) in facts.leases {
                out = replaceID(id, with: "<LEASE:\(name)>", in: out)
            }
            out = replaceID(facts.memberID, with: "<MEMBER_ID>", in: out)
            out = replaceID(facts.clusterID, with: "<CLUSTER_ID>", in: out)
            out = out.replacingOccurrences(of: "127.0.0.1:\(facts.clientPort)", with: "127.0.0.1:<CLIENT_PORT>")
            out = out.replacingOccurrences(of: "127.0.0.1:\(facts.peerPort)", with: "127.0.0.1:<PEER_PORT>")
            for (pattern, template) in Self.patterns {
                out = out.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
            }
            if maskRevisions {
                out = out.replacingOccurrences(of: #""revision":[0-9]+"#, with: #""revision":<REV>"#, options: .regularExpression)
            }
            return Self.normalizeTables(Self.sortLeaseKeys(out))
        }

        /// `lease timetolive --keys` lists attached keys in Go map order (random per call):
        /// compare them as a set.
        static func sortLeaseKeys(_ text: String) -> String {
            var out = text
            for (open, close, separator) in [("attached keys([", "])", " "), ("\"keys\":[", "]", ",")] {
                guard let start = out.range(of: open),
                      let end = out.range(of: close, range: start.upperBound..<out.endIndex) else { continue }
                let items = out[start.upperBound..<end.lowerBound].split(separator: Character(separator)).sorted()
                out.replaceSubrange(start.upperBound..<end.lowerBound, with: items.joined(separator: separator))
            }
            return out
        }

        /// An ID as etcdctl prints it: %016x (leases), %x (members), decimal (json).
        private func replaceID(_ id: UInt64, with token: String, in text: String) -> String {
            var out = text
            guard id != 0 else { return out }   // unknown: replacing "0" would wreck everything
            // (%16x, space-padded, appears only in member add/remove/update, not in the session.)
            let forms = [String(format: "%016llx", id), String(id, radix: 16), String(id)]
            for form in Set(forms).sorted(by: { $0.count > $1.count }) {
                out = out.replacingOccurrences(of: form, with: token)
            }
            return out
        }

        static let patterns: [(String, String)] = [
            // Raft terms and indexes depend on elections and internal entries, not on the session.
            (#""raft_term":[0-9]+"#, #""raft_term":<TERM>"#),
            (#""raft_term":"[0-9]+""#, #""raft_term":"<TERM>""#),   // JSON gateway: uint64 as strings
            (#""etcdserver":"[^"]*""#, #""etcdserver":"<VERSION>""#),
            (#""etcdcluster":"[^"]*""#, #""etcdcluster":"<VERSION>""#),
            (#""RaftTerm" : [0-9]+"#, #""RaftTerm" : <TERM>"#),
            (#""raftTerm":[0-9]+"#, #""raftTerm":<TERM>"#),
            (#""raftIndex":[0-9]+"#, #""raftIndex":<INDEX>"#),
            (#""raftAppliedIndex":[0-9]+"#, #""raftAppliedIndex":<INDEX>"#),
            // Backend size and server version (endpoint status).
            (#""dbSize":[0-9]+"#, #""dbSize":<SIZE>"#),
            (#""dbSizeInUse":[0-9]+"#, #""dbSizeInUse":<SIZE>"#),
            // Server versions only (x.y.z); KV versions in the JSON gateway are "1", "2", ...
            (#""version":"[0-9]+\.[0-9]+\.[0-9]+[^"]*""#, #""version":"<VERSION>""#),
            // endpoint status, simple: endpoint, ID, version, db size, leader, learner, term, index, applied, errors
            (#"(<CLIENT_PORT>, <MEMBER_ID>, )[^,]+, [^,]+, (true|false), (true|false), [0-9]+, [0-9]+, [0-9]+, "#,
             "$1<VERSION>, <SIZE>, $2, $3, <TERM>, <INDEX>, <INDEX>, "),
            // Timings.
            (#"took = [0-9.]+[nµm]?s"#, "took = <DURATION>"),
            (#""took":"[^"]*""#, #""took":"<DURATION>""#),
            // Lease time left moves with the clock.
            (#"remaining\([0-9]+s\)"#, "remaining(<TTL>s)"),
            (#""ttl":[0-9]+,"granted-ttl""#, #""ttl":<TTL>,"granted-ttl""#),
            (#""TTL":"[0-9]+","grantedTTL""#, #""TTL":"<TTL>","grantedTTL""#),
            // clientv3's zap warnings: timestamp and per-process client UUID.
            (#""ts":"[^"]*""#, #""ts":"<TS>""#),
            (#"endpoint://client-[0-9a-f-]+/"#, "endpoint://client-<UUID>/"),
        ]

        /// Columns whose cells legitimately differ (endpoint status and health tables).
        static let maskedColumns: Set<String> = ["VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "TOOK"]

        /// Tables: cell widths follow the content, so after masking compare cells, not padding.
        static func normalizeTables(_ text: String) -> String {
            var header: [String]? = nil
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                if line.hasPrefix("+-") { return "+" }
                guard line.hasPrefix("|") else { header = nil; return String(line) }
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                guard let names = header else { header = cells; return "| " + cells.joined(separator: " | ") + " |" }
                let masked = cells.enumerated().map { i, cell in
                    i < names.count && maskedColumns.contains(names[i]) ? "<\(names[i])>" : cell
                }
                return "| " + masked.joined(separator: " | ") + " |"
            }
            return lines.joined(separator: "\n")
        }
    }
}
