import EtcdAPI
import Foundation

/// The keys one user may read or write, merged over all of its roles (etcd's
/// unifiedRangePermissions). Intervals are half-open [begin, end); an end of nil is unbounded
/// (etcd writes that as range end "\0").
struct KeyPermissions {
    struct Interval {
        var begin: Data
        var end: Data?

        /// A single key is [key, key + "\0").
        static func point(_ key: Data) -> Interval { Interval(begin: key, end: key + [0]) }

        /// etcd's request convention: empty range end = the key alone; "\0" = every key from it.
        static func request(key: Data, rangeEnd: Data) -> Interval {
            if rangeEnd.isEmpty { return point(key) }
            return Interval(begin: key, end: rangeEnd == Data([0]) ? nil : rangeEnd)
        }
    }

    private(set) var read: [Interval] = []
    private(set) var write: [Interval] = []

    init(roles: [Authpb_Role]) {
        for role in roles {
            for perm in role.keyPermission {
                let interval = Interval.request(key: perm.key, rangeEnd: perm.rangeEnd)
                switch perm.permType {
                case .read: read.append(interval)
                case .write: write.append(interval)
                case .readwrite:
                    read.append(interval)
                    write.append(interval)
                case .UNRECOGNIZED: break
                }
            }
        }
        read.sort { $0.begin.lexicographicallyPrecedes($1.begin) }
        write.sort { $0.begin.lexicographicallyPrecedes($1.begin) }
    }

    func allows(_ type: Authpb_Permission.TypeEnum, key: Data, rangeEnd: Data) -> Bool {
        let granted = type == .read ? read : write
        return Self.covers(granted, Interval.request(key: key, rangeEnd: rangeEnd))
    }

    /// Whether the union of `granted` (sorted by begin) covers `wanted` without a gap.
    static func covers(_ granted: [Interval], _ wanted: Interval) -> Bool {
        var covered: Data?  // the end of the contiguous run that starts at or before wanted.begin
        var unbounded = false
        for interval in granted where intersects(interval, wanted) {
            if covered == nil && !unbounded {
                guard !wanted.begin.lexicographicallyPrecedes(interval.begin) else { return false }
            } else if !unbounded, let end = covered, end.lexicographicallyPrecedes(interval.begin) {
                return false  // a gap between two granted intervals
            }
            if let end = interval.end {
                if !unbounded, covered.map({ $0.lexicographicallyPrecedes(end) }) ?? true { covered = end }
            } else {
                unbounded = true
            }
        }
        if unbounded { return true }
        guard let covered else { return false }
        guard let wantedEnd = wanted.end else { return false }
        return !covered.lexicographicallyPrecedes(wantedEnd)
    }

    /// Half-open intervals overlap when each begins before the other ends.
    static func intersects(_ a: Interval, _ b: Interval) -> Bool {
        before(a.begin, b.end) && before(b.begin, a.end)
    }

    private static func before(_ key: Data, _ end: Data?) -> Bool {
        guard let end else { return true }
        return key.lexicographicallyPrecedes(end)
    }
}
