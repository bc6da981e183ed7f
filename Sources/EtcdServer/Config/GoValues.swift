/// Parsing of flag values the way Go's `flag` and `strconv` packages do, so the same
/// command line is accepted or refused by Keel exactly when etcd accepts or refuses it.
enum GoValues {
    /// strconv.ParseBool.
    static func bool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    enum NumberError: Error { case syntax, range }

    /// strconv.ParseUint(s, 0, bits): decimal, or 0x/0o/0b/0 prefixed; `_` may separate
    /// digits (Go number literal syntax).
    static func unsigned(_ s: String, bits: Int = 64) throws(NumberError) -> UInt64 {
        guard !s.isEmpty, underscoresWellPlaced(s) else { throw .syntax }
        var digits = Substring(s)
        var radix = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else if s.hasPrefix("0") && s.count > 1 { radix = 8; digits = digits.dropFirst(1) }
        digits = Substring(digits.filter { $0 != "_" })
        guard !digits.isEmpty, digits.allSatisfy({ $0.hexDigitValue.map { $0 < radix } ?? false }) else { throw .syntax }
        guard let value = UInt64(digits, radix: radix) else { throw .range }  // valid digits, too many
        if bits < 64 && value >> UInt64(bits) != 0 { throw .range }
        return value
    }

    /// Go's rule for `_` in numbers: only between digits, or between a base prefix and a digit.
    private static func underscoresWellPlaced(_ s: String) -> Bool {
        let chars = Array(s.lowercased())
        var i = 0
        var previous: Character = "^"  // "^" start, "0" digit or prefix, "_" underscore, "!" other
        var hex = false
        if chars.count >= 2 && chars[0] == "0" && ["b", "o", "x"].contains(chars[1]) {
            i = 2
            previous = "0"
            hex = chars[1] == "x"
        }
        while i < chars.count {
            let c = chars[i]
            i += 1
            if c.isASCIIDigit || (hex && ("a"..."f").contains(c)) {
                previous = "0"
            } else if c == "_" {
                if previous != "0" { return false }
                previous = "_"
            } else {
                if previous == "_" { return false }
                previous = "!"
            }
        }
        return previous != "_"
    }

    /// strconv.ParseInt(s, 0, 64).
    static func signed(_ s: String) throws(NumberError) -> Int64 {
        var body = s
        var negative = false
        if body.hasPrefix("-") || body.hasPrefix("+") {
            negative = body.hasPrefix("-")
            body.removeFirst()
        }
        let magnitude = try unsigned(body)
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw .range }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw .range }
        return Int64(magnitude)
    }

    /// time.ParseDuration: "300ms", "-1.5h", "2h45m", "0". Returns nanoseconds.
    static func duration(_ s: String) -> Int64? {
        var rest = Substring(s)
        var negative = false
        if rest.hasPrefix("-") || rest.hasPrefix("+") {
            negative = rest.hasPrefix("-")
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
            ("m", 60_000_000_000), ("h", 3_600_000_000_000),
        ]
        var nanos: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix { $0.isASCIIDigit }
            rest = rest.dropFirst(whole.count)
            var fraction = Substring("")
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCIIDigit }
                rest = rest.dropFirst(fraction.count)
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let unitText = rest.prefix { !$0.isASCIIDigit && $0 != "." }
            guard let unit = units.first(where: { $0.0 == unitText })?.1 else { return nil }
            rest = rest.dropFirst(unitText.count)
            // Integer arithmetic as Go does it, so "1.1s" is exactly 1_100_000_000ns.
            guard let wholeValue = whole.isEmpty ? 0 : Int64(whole) else { return nil }
            let (scaled, overflow) = wholeValue.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            var part = scaled
            if !fraction.isEmpty {
                let digits = fraction.prefix(18)
                var divisor: Int64 = 1
                for _ in digits { divisor *= 10 }
                part += Int64((Double(Int64(digits)!) * Double(unit) / Double(divisor)).rounded())
            }
            let (sum, sumOverflow) = nanos.addingReportingOverflow(part)
            guard !sumOverflow else { return nil }
            nanos = sum
        }
        return negative ? -nanos : nanos
    }
}
