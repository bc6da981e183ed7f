/// A typed field value of a structured log line, rendered as JSON like zap renders Go values.
public enum LogValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case strings([String])
    /// A duration, rendered like Go's `time.Duration.String()` ("100ms", "1.5s", "2h0m0s").
    case duration(seconds: Double)

    /// Appends the JSON form of the value to `out`.
    func writeJSON(to out: inout String) {
        switch self {
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .int(let v): out += String(v)
        case .uint(let v): out += String(v)
        case .double(let v): out += v.isFinite ? String(v) : "\"\(v)\""
        case .bool(let v): out += v ? "true" : "false"
        case .strings(let list):
            out += "["
            for (i, s) in list.enumerated() {
                if i > 0 { out += "," }
                JSONText.appendQuoted(s, to: &out)
            }
            out += "]"
        case .duration(let seconds): JSONText.appendQuoted(GoDuration.format(seconds: seconds), to: &out)
        }
    }
}

extension LogValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// JSON string escaping as encoding/json does it for log lines.
enum JSONText {
    static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Go's `time.Duration.String()`, which etcd's logs and flags use ("5s", "2h0m0s", "100ms").
public enum GoDuration {
    public static func format(seconds: Double) -> String {
        let nanos = Int64((seconds * 1e9).rounded())
        if nanos == 0 { return "0s" }
        let negative = nanos < 0
        let n = negative ? -nanos : nanos
        var text: String
        if n < 1_000 {
            text = "\(n)ns"
        } else if n < 1_000_000 {
            text = trimmed(Double(n) / 1e3) + "µs"
        } else if n < 1_000_000_000 {
            text = trimmed(Double(n) / 1e6) + "ms"
        } else {
            let hours = n / 3_600_000_000_000
            let minutes = (n / 60_000_000_000) % 60
            let secs = Double(n % 60_000_000_000) / 1e9
            text = ""
            if hours > 0 { text += "\(hours)h" }
            if hours > 0 || minutes > 0 { text += "\(minutes)m" }
            text += trimmed(secs) + "s"
        }
        return negative ? "-" + text : text
    }

    /// Up to nine decimals, trailing zeros dropped, as Go prints fractions of a unit.
    private static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.9f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

import Foundation
