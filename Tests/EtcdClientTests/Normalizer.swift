import Foundation

/// Makes two runs comparable: only what may legitimately differ between two fresh servers and
/// two clients is replaced (lease IDs, timings, timestamps, client UUIDs, backend sizes and
/// hashes that depend on lease IDs and commit timing).
enum Normalizer {
    static func replace(_ pattern: String, in text: String, with template: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        return regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: match.numberOfRanges > 1 ? 1 : 0), in: text).map { String(text[$0]) }
        }
    }

    static func normalize(_ text: String, endpoint: String) -> String {
        var text = text.replacingOccurrences(of: endpoint, with: "EP")
        let rules: [(String, String)] = [
            (#""ts":"[^"]*""#, #""ts":TS"#), (#""ts":[0-9.e+]+"#, #""ts":TS"#), (#"client-[0-9a-f-]{36}"#, "client-UUID"),
            (#""took":[0-9.e-]+"#, #""took":T"#), (#"took = [0-9.]+[µnm]?s"#, "took = T"), (#""took":"[^"]*""#, #""took":"T""#),
            (#"\| [0-9.]+[µnm]?s \|"#, "| T |"), (#""Took" : [0-9.]+[µnm]?s"#, #""Took" : T"#),
            (#"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"#, "DATE"),
            (#""hash":\d+"#, #""hash":H"#), (#""size":"[^"]*""#, #""size":"S""#), (#""Hash" : \d+"#, #""Hash" : H"#), (#"EP, \d+\n"#, "EP, H\n"),
            (#""dbSize":\d+"#, #""dbSize":S"#), (#""dbSizeInUse":\d+"#, #""dbSizeInUse":S"#), (#""DBSize" : \d+"#, #""DBSize" : S"#),
            // lock and election keys end with the session's lease ID in hex
            (#"\b(lk\d|el\d)/[0-9a-f]{1,16}\b"#, "$1/LEASE"),
            // Keel's etcdctl names its own release after the etcd version it speaks
            (#"Keel version: [^\n]*\n"#, ""),
            (#", \d+(\.\d)? [kMG]?B, "#, ", S, "), (#"\| *\d+(\.\d)? [kMG]?B *\|"#, "| S |"), (#"\| *\d{5,} *\|"#, "| H |"),
        ]
        for (pattern, template) in rules { text = replace(pattern, in: text, with: template) }
        // Table borders and padding follow the widest cell, which timings change.
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix("+") || line.hasPrefix("|") else { return String(line) }
            return replace("-+", in: replace(" +", in: String(line), with: " "), with: "-")
        }.joined(separator: "\n")
    }

    /// Lease IDs, numbered by first appearance in the session, in hex and decimal forms.
    static func normalizeLeases(_ records: [Record]) -> [Record] {
        var names: [String: String] = [:]
        var order: [String] = []
        return records.map { record in
            var record = record
            for hex in matches("lease ([0-9a-f]{16})", in: record.stdout) where names[hex] == nil {
                names[hex] = "LEASE\(names.count)"
                order.append(hex)
            }
            if record.command.hasPrefix("lease") {
                for decimal in matches(#""(?:ID|id)" ?: ?(\d{15,})"#, in: record.stdout) {
                    guard let value = UInt64(decimal) else { continue }
                    let hex = String(format: "%016llx", value)
                    if names[hex] == nil { names[hex] = "LEASE\(names.count)"; order.append(hex) }
                }
            }
            for hex in order {
                let name = names[hex]!
                let decimal = String(UInt64(hex, radix: 16) ?? 0)
                for keyPath in [\Record.stdout, \Record.stderr, \Record.command] {
                    record[keyPath: keyPath] = record[keyPath: keyPath].replacingOccurrences(of: hex, with: name)
                        .replacingOccurrences(of: decimal, with: name)
                }
            }
            return record
        }
    }
}

/// One command's observable behaviour.
struct Record: Equatable {
    var command: String
    var stdout: String
    var stderr: String
    var status: Int32
}
