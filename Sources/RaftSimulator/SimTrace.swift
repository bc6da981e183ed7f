/// The one-line-per-event record of a run, hashed as it grows.
///
/// The hash is taken over each event's numeric fields (kind code and up to four numbers), not
/// over its text, so a fast run that builds no strings and a `--trace` run that prints every
/// line produce the same hash. Failures are reported by rerunning the seed with `keepLines`.
public struct SimTrace: Sendable {
    public private(set) var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    public private(set) var count = 0
    public let keepLines: Bool
    public private(set) var lines: [String] = []

    public init(keepLines: Bool) {
        self.keepLines = keepLines
    }

    @inline(__always)
    private mutating func mix(_ v: UInt64) {
        // FNV-1a over 8-byte words, then a multiply-xorshift so nearby values spread.
        hash ^= v
        hash = hash &* 0x0000_0100_0000_01B3
        hash ^= hash >> 29
    }

    public mutating func record(
        _ tick: Int, _ kind: SimEventKind, _ a: UInt64 = 0, _ b: UInt64 = 0, _ c: UInt64 = 0,
        _ d: UInt64 = 0, _ text: @autoclosure () -> String
    ) {
        mix(UInt64(tick))
        mix(UInt64(kind.rawValue))
        mix(a)
        mix(b)
        mix(c)
        mix(d)
        count += 1
        if keepLines {
            lines.append("t=\(tick) \(text())")
        }
    }

    public var hashHex: String {
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// What a trace line records; the code enters the hash.
public enum SimEventKind: UInt8, Sendable {
    case options = 1, send, deliver, drop, duplicate, tick, crash, restart, tornWrite, lostWrites
    case partition, heal, propose, proposeConfChange, applyConfChange, transfer, readIndex, readState
    case becomeLeader, commit, snapshotInstalled, compact, phase, violation, campaign, stop, start
}
