import Foundation

/// Go's formatting rules where etcdctl's bytes depend on them (%q, encoding/json, base64,
/// go-humanize, time.Duration).
public enum GoFormat {
    /// strconv.Quote: a double-quoted Go string literal.
    public static func quote(_ text: String) -> String { quote(bytes: Array(text.utf8)) }

    public static func quote(bytes: [UInt8]) -> String {
        var out = "\""
        var index = 0
        while index < bytes.count {
            guard let (scalar, length) = decodeUTF8(bytes, at: index) else {
                out += String(format: "\\x%02x", bytes[index])
                index += 1
                continue
            }
            index += length
            switch scalar.value {
            case 0x07: out += "\\a"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x0B: out += "\\v"
            case 0x5C: out += "\\\\"
            case 0x22: out += "\\\""
            default:
                if isPrint(scalar) { out.unicodeScalars.append(scalar) }
                else if scalar.value < 0x80 { out += String(format: "\\x%02x", scalar.value) }
                else if scalar.value < 0x10000 { out += String(format: "\\u%04x", scalar.value) }
                else { out += String(format: "\\U%08x", scalar.value) }
            }
        }
        return out + "\""
    }

    /// An approximation of unicode.IsPrint: graphic characters and the ASCII space.
    public static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || value == 0x7F || (0x80...0x9F).contains(value) || value == 0xAD { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        case .spaceSeparator: return value == 0x20
        default: return true
        }
    }

    /// Decodes one UTF-8 scalar as Go does (rejecting overlong forms and surrogates).
    public static func decodeUTF8(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let first = bytes[index]
        if first < 0x80 { return (Unicode.Scalar(first), 1) }
        let length: Int
        var value: UInt32
        switch first {
        case 0xC2...0xDF: length = 2; value = UInt32(first & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(first & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(first & 0x07)
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// encoding/json's string encoding (with its HTML-safe escapes and U+FFFD for bad UTF-8).
    public static func jsonString(_ text: String) -> String { jsonString(bytes: Array(text.utf8)) }

    public static func jsonString(bytes: [UInt8]) -> String {
        var out = "\""
        var index = 0
        while index < bytes.count {
            guard let (scalar, length) = decodeUTF8(bytes, at: index) else {
                out += "\\ufffd"
                index += 1
                continue
            }
            index += length
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x3C, 0x3E, 0x26, 0x2028, 0x2029: out += String(format: "\\u%04x", scalar.value)
            case 0..<0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// encoding/json's []byte: standard base64.
    public static func jsonBytes(_ bytes: [UInt8]) -> String {
        "\"" + Data(bytes).base64EncodedString() + "\""
    }

    /// go-humanize's Bytes (SI units).
    public static func humanBytes(_ size: UInt64) -> String {
        if size < 10 { return "\(size) B" }
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        let exponent = Int(floor(log(Double(size)) / log(1000.0)))
        let value = floor(Double(size) / pow(1000.0, Double(exponent)) * 10 + 0.5) / 10
        return String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[exponent])
    }

    /// fmt's %v of a []string: "[a b c]".
    public static func list(_ items: [String]) -> String { "[" + items.joined(separator: " ") + "]" }

    /// time.Duration.String for a measured duration in nanoseconds ("1.359577ms").
    public static func duration(nanoseconds: UInt64) -> String {
        if nanoseconds == 0 { return "0s" }
        if nanoseconds < 1000 { return "\(nanoseconds)ns" }
        if nanoseconds < 1_000_000 { return trimmed(Double(nanoseconds) / 1000, decimals: 3) + "µs" }
        if nanoseconds < 1_000_000_000 { return trimmed(Double(nanoseconds) / 1_000_000, decimals: 6) + "ms" }
        let totalSeconds = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        var out = ""
        if totalSeconds >= 3600 { out += "\(totalSeconds / 3600)h" }
        if totalSeconds >= 60 { out += "\((totalSeconds / 60) % 60)m" }
        let seconds = totalSeconds % 60
        var secondsText = "\(seconds)"
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            secondsText += "." + digits
        }
        return out + secondsText + "s"
    }

    private static func trimmed(_ value: Double, decimals: Int) -> String {
        var text = String(format: "%.\(decimals)f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `%016x` of a signed ID as Go prints it (two's complement is not used: negative IDs keep
    /// their sign, as fmt does).
    public static func hex16(_ value: Int64) -> String {
        if value < 0 { return "-" + pad(String(value.magnitude, radix: 16), 15) }
        return pad(String(value, radix: 16), 16)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// `%x` of a uint64.
    public static func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    /// `%16x`: space-padded hex.
    public static func hexSpacePadded(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return text.count >= 16 ? text : String(repeating: " ", count: 16 - text.count) + text
    }
}

/// Go's parsing rules for flag values.
public enum GoParse {
    /// strconv.ParseBool.
    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    /// strconv.ParseInt's error text, or nil when `text` parses.
    public static func int64Error(_ text: String, base: Int) -> String? {
        let function = "strconv.ParseInt: parsing \(GoFormat.quote(text)): "
        var digits = Substring(text)
        if digits.hasPrefix("+") || digits.hasPrefix("-") { digits = digits.dropFirst() }
        if digits.isEmpty || digits.contains(where: { $0.hexDigitValue.map { $0 >= base } ?? true }) {
            return function + "invalid syntax"
        }
        return Int64(text, radix: base) == nil ? function + "value out of range" : nil
    }

    public static func int64(_ text: String, base: Int) -> Int64? {
        int64Error(text, base: base) == nil ? Int64(text, radix: base) : nil
    }

    /// time.ParseDuration, in milliseconds (rounded down); nil when invalid.
    public static func durationMilliseconds(_ text: String) -> UInt64? {
        var rest = Substring(text)
        if rest.hasPrefix("+") { rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        guard !rest.isEmpty, !rest.hasPrefix("-") else { return nil }
        var totalNanoseconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let amount = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            totalNanoseconds += amount * scale
        }
        return UInt64(totalNanoseconds / 1e6)
    }
}
