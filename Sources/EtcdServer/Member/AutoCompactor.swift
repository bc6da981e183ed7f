/// etcd's automatic compaction, as a pure decision: given the time and the store's revision,
/// which revision (if any) to compact to now. The leader proposes the compaction it returns.
///
/// - periodic(retention): keep `retention` of history. Samples the revision every tenth of the
///   retention (at most every hour) and compacts to the revision seen `retention` ago.
/// - revision(n): keep the last `n` revisions, checked every five minutes.
struct AutoCompactor {
    let mode: EtcdConfig.AutoCompaction
    private var samples: [(milliseconds: UInt64, revision: Int64)] = []
    private var lastCheckMilliseconds: UInt64?
    private var lastCompacted: Int64 = 0

    init(mode: EtcdConfig.AutoCompaction) { self.mode = mode }

    /// How often to call `decide`.
    var checkIntervalMilliseconds: UInt64? {
        switch mode {
        case .disabled: return nil
        case .periodic(let retention):
            let retentionMs = UInt64(max(0, retention.secondsValue * 1000))
            return max(1000, min(retentionMs / 10, 3_600_000))
        case .revision: return 300_000
        }
    }

    mutating func decide(nowMilliseconds: UInt64, currentRevision: Int64) -> Int64? {
        switch mode {
        case .disabled:
            return nil
        case .revision(let keep):
            let target = currentRevision - keep
            guard target > lastCompacted, target > 0 else { return nil }
            lastCompacted = target
            return target
        case .periodic(let retention):
            let retentionMs = UInt64(max(0, retention.secondsValue * 1000))
            samples.append((nowMilliseconds, currentRevision))
            // The newest sample at least `retention` old is the compaction point.
            guard let i = samples.lastIndex(where: { nowMilliseconds - $0.milliseconds >= retentionMs }) else { return nil }
            let target = samples[i].revision
            samples.removeFirst(i + 1)
            guard target > lastCompacted else { return nil }
            lastCompacted = target
            return target
        }
    }

    /// A compaction failed (for example the revision was already compacted): allow it again.
    mutating func forget(_ revision: Int64) {
        if lastCompacted == revision { lastCompacted = 0 }
    }
}
