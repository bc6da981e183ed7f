import ChaosCheckers
import EtcdClient

/// The store's history under the workload prefix, kept by the harness across compactions: before
/// the nemesis compacts at C, everything up to at least C is read and kept here, so the
/// end-of-run checks (the store-history watch check, settling unknown writes) still see every
/// revision from 2 on. Orchestrating thread only.
final class HistoryArchive {
    let prefix: String
    private(set) var events: [StoreEvent] = []
    /// The last revision whose events are all in `events` (0: nothing read yet).
    private(set) var readThrough: Int64 = 0
    /// Every revision a compaction was sent for (answered or not: an unanswered one may apply).
    private(set) var compactions: [Int64] = []

    init(prefix: String) { self.prefix = prefix }

    /// The highest revision compacted so far (0: none).
    var compactedThrough: Int64 { compactions.max() ?? 0 }

    /// Reads on from `readThrough` until `revision` (or `seconds`); events read are kept even if
    /// the read stops early. Returns the error that stopped it, if any.
    @discardableResult
    func extend(through revision: Int64, _ client: EtcdClient, seconds: Double) -> String? {
        guard revision > readThrough else { return nil }
        let (more, error) = StoreHistoryReader.read(client, prefix: prefix, from: readThrough + 1, untilRevision: revision,
                                                   seconds: seconds)
        // A watch delivers whole revisions in order; keep only what continues the archive.
        let fresh = more.filter { $0.modRevision > readThrough }
        events += fresh
        if let last = fresh.last { readThrough = last.modRevision }
        return readThrough >= revision ? nil : (error ?? "read only through revision \(readThrough)")
    }

    func recordCompaction(at revision: Int64) {
        precondition(revision <= readThrough, "compaction at \(revision) beyond the archive (\(readThrough))")
        compactions.append(revision)
    }

    /// The whole history up to `revision`: the archive and the rest read now.
    func complete(_ client: EtcdClient, untilRevision revision: Int64, seconds: Double) -> (events: [StoreEvent], error: String?) {
        let error = extend(through: revision, client, seconds: seconds)
        return (events, error)
    }
}
