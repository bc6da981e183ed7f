import Glibc

/// What the member measures about itself, exposed on /metrics under etcd's names.
struct MemberMetrics {
    var leaderChanges = 0
    var proposalsFailed = 0
    /// Snapshots (with their backend) sent to peers and accepted by them, received and
    /// verified from the leader, and installed.
    var snapshotsSent = 0
    var snapshotsReceived = 0
    var snapshotsApplied = 0
    /// etcd_disk_wal_fsync_duration_seconds: 1 ms to about 8 s, doubling.
    var walFsync = Histogram(bounds: (0..<14).map { 0.001 * Double(1 << $0) })
    /// etcd_disk_backend_commit_duration_seconds: same buckets.
    var backendCommit = Histogram(bounds: (0..<14).map { 0.001 * Double(1 << $0) })

    /// Monotonic seconds, for measuring durations only.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A Prometheus histogram: cumulative bucket counts, sum and count.
struct Histogram {
    let bounds: [Double]
    private(set) var counts: [Int]
    private(set) var sum = 0.0
    private(set) var count = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
        sum += value
        count += 1
    }

    func render(name: String, help: String) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (bound, n) in zip(bounds, counts) { out += "\(name)_bucket{le=\"\(bound)\"} \(n)\n" }
        out += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
        return out
    }
}
