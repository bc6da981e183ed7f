import ChaosCheckers
import Testing

/// A watcher told "compacted at C" resumes at C: what lay below C is excused, nothing from C on.
@Suite("Live watchers across compaction")
struct LiveWatchCompactionTests {
    static func put(_ key: String, _ value: String, _ rev: Int64, prev: String?) -> StoreEvent {
        StoreEvent(key: key, value: value, modRevision: rev, previousValue: prev)
    }

    /// The store: a=1@2, b=x@3, a=2@4, b=y@5, a=3@6.
    let all = [put("a", "1", 2, prev: nil), put("b", "x", 3, prev: nil), put("a", "2", 4, prev: "1"),
               put("b", "y", 5, prev: "x"), put("a", "3", 6, prev: "2")]

    static func ackedWrite(_ key: String, _ value: String, _ rev: Int64) -> RegisterOperation {
        RegisterOperation(id: Int(rev), client: 0, key: key, kind: .write, value: value, revision: rev,
                          invokeNanos: 0, completeNanos: 1, outcome: .ok)
    }

    /// Saw revision 2, was compacted at 4 and resumed there: revision 3 is legitimately gone,
    /// and the event at 4 has no prev_kv because revision 3 was compacted away.
    var resumedAtCompaction: WatchRecording {
        let atFour = Self.put("a", "2", 4, prev: nil)
        return WatchRecording(watcher: 1, member: 1, resumes: 1, events: [all[0], atFour, all[3], all[4]],
                              compactions: [CompactionMark(afterEvents: 1, compactRevision: 4)])
    }

    @Test func revisionsBelowTheCompactRevisionAreExcusedWithTheirAcknowledgedWrites() {
        let acked = [Self.ackedWrite("b", "x", 3), Self.ackedWrite("b", "y", 5)]
        let v = LiveWatchChecker.check([WatchRecording(watcher: 0, member: 0, resumes: 0, events: all), resumedAtCompaction],
                                       firstRevision: 2, lastRevision: 6, acknowledged: acked, compactedAt: [4])
        #expect(v.passed, "\(v.evidence)")
        #expect(v.detail.contains("1 compacted cancels"))
    }

    @Test func anEventAtTheCompactRevisionDroppedOnResumeIsCaught() {
        // etcd #18089: resumed at the compact revision 4, the event at 4 never came.
        let dropped = WatchRecording(watcher: 1, member: 2, resumes: 1, events: [all[0], all[3], all[4]],
                                     compactions: [CompactionMark(afterEvents: 1, compactRevision: 4)])
        let v = LiveWatchChecker.check([dropped], firstRevision: 2, lastRevision: 6, acknowledged: [Self.ackedWrite("a", "2", 4)],
                                       compactedAt: [4])
        #expect(!v.passed)
        #expect(v.evidence.contains { $0.contains("gap: revisions 4...4") && $0.contains("compacted at 4") })
        #expect(v.evidence.contains { $0.contains("acknowledged") && $0.contains("revision 4") })
    }

    @Test func aCompactionDoesNotExcuseAGapAfterTheResume() {
        let gap = WatchRecording(watcher: 0, member: 0, resumes: 1, events: [all[0], Self.put("a", "2", 4, prev: nil), all[4]],
                                 compactions: [CompactionMark(afterEvents: 1, compactRevision: 4)])
        let v = LiveWatchChecker.check([gap], firstRevision: 2, lastRevision: 6, acknowledged: [], compactedAt: [4])
        #expect(!v.passed && v.evidence.contains { $0.contains("gap: revisions 5...5") })
    }

    @Test func aMissingPrevKVIsExcusedOnlyAtACompactionRevision() {
        // A watcher that resumed exactly at revision 4 without being told of a compaction there.
        let noPrev = WatchRecording(watcher: 0, member: 0, resumes: 1,
                                    events: [all[0], all[1], Self.put("a", "2", 4, prev: nil), all[3], all[4]])
        #expect(LiveWatchChecker.check([noPrev], firstRevision: 2, lastRevision: 6, acknowledged: [], compactedAt: [4]).passed)
        let v = LiveWatchChecker.check([noPrev], firstRevision: 2, lastRevision: 6, acknowledged: [], compactedAt: [3])
        #expect(!v.passed && v.evidence.contains { $0.contains("prev_kv of a at revision 4 is nil, expected 1") })
    }

    @Test func prevKVIsCheckedAgainAfterAKeysFirstEventPastTheSkip() {
        // After the skip b's first event is taken as is; a's second event must follow a's first.
        let wrong = WatchRecording(watcher: 0, member: 0, resumes: 1,
                                   events: [all[0], Self.put("a", "2", 4, prev: nil), Self.put("b", "y", 5, prev: "whatever"),
                                            Self.put("a", "3", 6, prev: "1")],
                                   compactions: [CompactionMark(afterEvents: 1, compactRevision: 4)])
        let v = LiveWatchChecker.check([wrong], firstRevision: 2, lastRevision: 6, acknowledged: [], compactedAt: [4])
        #expect(!v.passed)
        #expect(v.evidence.count == 1 && v.evidence[0].contains("prev_kv of a at revision 6 is 1, expected 2"))
    }

    @Test func aWatcherCompactedAtTheEndStillHasToReachTheFinalRevision() {
        let stopped = WatchRecording(watcher: 0, member: 0, resumes: 1, events: [all[0]], error: "canceled: compacted",
                                     compactions: [CompactionMark(afterEvents: 1, compactRevision: 5)])
        let v = LiveWatchChecker.check([stopped], firstRevision: 2, lastRevision: 6, acknowledged: [], compactedAt: [5])
        #expect(!v.passed && v.evidence.contains { $0.contains("watch ended at revision 4, store is at 6") })
    }
}
