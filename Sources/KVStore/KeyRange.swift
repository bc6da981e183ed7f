import Foundation

/// Lexicographic byte order, the order etcd (and LMDB's default comparator) sorts keys in.
@inline(__always)
func compareBytes(_ a: Data, _ b: Data) -> Int {
    a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in
            let n = min(pa.count, pb.count)
            if n > 0, let ba = pa.baseAddress, let bb = pb.baseAddress {
                let c = memcmp(ba, bb, n)
                if c != 0 { return c < 0 ? -1 : 1 }
            }
            return pa.count == pb.count ? 0 : (pa.count < pb.count ? -1 : 1)
        }
    }
}

/// The key set named by etcd's (key, range_end) pair:
/// - empty range_end: the single key `key`;
/// - range_end "\0": every key >= `key` (from-key; with key "\0" this is all keys);
/// - otherwise the half-open interval [key, range_end), empty when range_end <= key.
public struct KeyRange: Sendable, Equatable {
    public let key: Data
    /// nil: single key. Empty: unbounded above. Otherwise exclusive upper bound.
    public let end: Data?

    public init(key: Data, rangeEnd: Data) {
        self.key = key
        if rangeEnd.isEmpty {
            end = nil
        } else if rangeEnd.count == 1 && rangeEnd.first == 0 {
            end = Data()
        } else {
            end = rangeEnd
        }
    }

    public var isSingleKey: Bool { end == nil }

    public func contains(_ k: Data) -> Bool {
        guard let end else { return k == key }
        if compareBytes(k, key) < 0 { return false }
        return end.isEmpty || compareBytes(k, end) < 0
    }

    /// Whether `k` is past the upper bound (so an ordered scan can stop).
    func isBeyondEnd(_ k: Data) -> Bool {
        guard let end else { return compareBytes(k, key) > 0 }
        return !end.isEmpty && compareBytes(k, end) >= 0
    }
}
