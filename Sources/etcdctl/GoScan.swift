import EtcdClient
import Glibc
import Foundation

/// The bits of Go's fmt scanning and quoting that txn and watch input use.
enum GoScan {
    /// etcdctl's argify: splits a line into words, honouring "double" and 'single' quotes
    /// (with its quirk: a single-quoted word is cut to [1, number of words - 1)).
    static func argify(_ line: String) -> [String] {
        let pattern = #""(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(line.startIndex..., in: line)
        var words = regex.matches(in: line, range: range).compactMap { match in
            Range(match.range, in: line).map { String(line[$0]) }
        }
        let count = words.count
        for index in words.indices where !words[index].isEmpty {
            let word = words[index]
            if word.hasPrefix("'") {
                let bytes = Array(word.utf8)
                guard count - 1 >= 1, count - 1 <= bytes.count else {
                    Output.err("panic: runtime error: slice bounds out of range [:\(count - 1)] with length \(bytes.count)\n")
                    exit(2)
                }
                words[index] = String(decoding: bytes[1..<(count - 1)], as: UTF8.self)
            } else if word.hasPrefix("\"") {
                guard let unquoted = unquote(word) else { exitWithError(ExitCode.invalidInput, "invalid syntax") }
                words[index] = unquoted
            }
        }
        return words
    }

    /// strconv.Unquote for a double-quoted or back-quoted Go literal.
    static func unquote(_ literal: String) -> String? {
        var scanner = Substring(literal)
        guard let value = readQuoted(&scanner), scanner.isEmpty else { return nil }
        return value
    }

    /// Reads one quoted string (fmt's %q verb) from the front of `input`.
    static func readQuoted(_ input: inout Substring) -> String? {
        guard let quote = input.first, quote == "\"" || quote == "`" else { return nil }
        var rest = input.dropFirst()
        if quote == "`" {
            guard let end = rest.firstIndex(of: "`") else { return nil }
            let value = String(rest[..<end])
            input = rest[rest.index(after: end)...]
            return value
        }
        var bytes: [UInt8] = []
        while let character = rest.first {
            rest = rest.dropFirst()
            if character == "\"" {
                input = rest
                return String(decoding: bytes, as: UTF8.self)
            }
            guard character == "\\" else { bytes += Array(String(character).utf8); continue }
            guard let escape = rest.first else { return nil }
            rest = rest.dropFirst()
            switch escape {
            case "a": bytes.append(7)
            case "b": bytes.append(8)
            case "f": bytes.append(12)
            case "n": bytes.append(10)
            case "r": bytes.append(13)
            case "t": bytes.append(9)
            case "v": bytes.append(11)
            case "\\": bytes.append(0x5C)
            case "\"": bytes.append(0x22)
            case "'": bytes.append(0x27)
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                let digits = rest.prefix(width)
                guard digits.count == width, let value = UInt32(digits, radix: 16) else { return nil }
                rest = rest.dropFirst(width)
                if escape == "x" { bytes.append(UInt8(value)) } else {
                    guard let scalar = Unicode.Scalar(value) else { return nil }
                    bytes += Array(String(Character(scalar)).utf8)
                }
            case "0"..."7":
                let digits = String(escape) + rest.prefix(2)
                guard digits.count == 3, let value = UInt8(digits, radix: 8) else { return nil }
                rest = rest.dropFirst(2)
                bytes.append(value)
            default: return nil
            }
        }
        return nil
    }

    static func skipSpaces(_ input: inout Substring) {
        while let first = input.first, first == " " || first == "\t" || first == "\r" { input = input.dropFirst() }
    }

    /// fmt.Sscanf(text, "%q) %s %q"): the values scanned before the first mismatch.
    static func scanCompare(_ text: String) -> (key: String?, op: String?, value: String?) {
        var input = Substring(text)
        skipSpaces(&input)
        guard let key = readQuoted(&input) else { return (nil, nil, nil) }
        guard input.first == ")" else { return (key, nil, nil) }
        input = input.dropFirst()
        skipSpaces(&input)
        let op = input.prefix { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" }
        guard !op.isEmpty else { return (key, nil, nil) }
        input = input.dropFirst(op.count)
        skipSpaces(&input)
        guard let value = readQuoted(&input) else { return (key, String(op), nil) }
        return (key, String(op), value)
    }
}
