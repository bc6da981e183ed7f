/// The `grpc-timeout` header: up to 8 ASCII digits and a unit (H M S m u n).
enum GRPCTimeout {
    /// The timeout in milliseconds, rounded up; nil when the header is malformed.
    static func parseMilliseconds(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: UInt64 = 0
        for byte in bytes.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): return amount * 3_600_000
        case UInt8(ascii: "M"): return amount * 60_000
        case UInt8(ascii: "S"): return amount * 1000
        case UInt8(ascii: "m"): return amount
        case UInt8(ascii: "u"): return (amount + 999) / 1000
        case UInt8(ascii: "n"): return (amount + 999_999) / 1_000_000
        default: return nil
        }
    }

    /// Encodes a timeout, choosing the finest unit that fits in 8 digits.
    static func encode(milliseconds: UInt64) -> String {
        if milliseconds < 100_000_000 { return "\(milliseconds)m" }
        let seconds = (milliseconds + 999) / 1000
        if seconds < 100_000_000 { return "\(seconds)S" }
        return "\(min((seconds + 3599) / 3600, 99_999_999))H"
    }
}
