/// A segment file's name: `<seq:016x>-<firstIndex:016x>.wal`. `seq` orders the segments;
/// `firstIndex` is the caller's tag (see `WAL.append(_:firstIndex:)`), the lowest index any
/// record in this or a later segment refers to, which is what `WAL.removeSegments` compares.
struct WALSegmentName: Equatable, Comparable, Sendable {
    var seq: UInt64
    var firstIndex: UInt64

    static let suffix = ".wal"

    var fileName: String { WALSegmentName.hex16(seq) + "-" + WALSegmentName.hex16(firstIndex) + WALSegmentName.suffix }

    init(seq: UInt64, firstIndex: UInt64) {
        self.seq = seq
        self.firstIndex = firstIndex
    }

    /// Parses a file name; nil for names that are not segments (other files are left alone).
    init?(fileName: String) {
        guard fileName.hasSuffix(WALSegmentName.suffix) else { return nil }
        let stem = fileName.dropLast(WALSegmentName.suffix.count)
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 16, parts[1].count == 16,
              let seq = UInt64(parts[0], radix: 16), let first = UInt64(parts[1], radix: 16)
        else { return nil }
        self.init(seq: seq, firstIndex: first)
    }

    static func < (a: WALSegmentName, b: WALSegmentName) -> Bool { a.seq < b.seq }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
