import ChaosCheckers
import Testing

@Suite("Live watchers across reconnects")
struct LiveWatchCheckerTests {
    static func put(_ key: String, _ value: String, _ rev: Int64, prev: String?) -> StoreEvent {
        StoreEvent(key: key, value: value, modRevision: rev, previousValue: prev)
    }

    let events = [put("a", "1", 2, prev: nil), put("b", "x", 3, prev: nil), put("a", "2", 4, prev: "1"), put("b", "y", 5, prev: "x")]

    @Test func watchersThatSawEverythingOncePass() {
        let recordings = [WatchRecording(watcher: 0, member: 0, resumes: 2, events: events),
                          WatchRecording(watcher: 1, member: 1, resumes: 0, events: events)]
        let v = LiveWatchChecker.check(recordings, firstRevision: 2, lastRevision: 5, acknowledged: [])
        #expect(v.passed)
        #expect(v.detail.contains("2 resumes"))
    }

    @Test func anEventResentAfterAResumeIsCaughtAndNamed() {
        // Resumed at revision 4 but the server sent revision 3 again.
        let resent = [events[0], events[1], events[1], events[2], events[3]]
        let recordings = [WatchRecording(watcher: 0, member: 0, resumes: 0, events: events),
                          WatchRecording(watcher: 1, member: 2, resumes: 1, events: resent)]
        let v = LiveWatchChecker.check(recordings, firstRevision: 2, lastRevision: 5, acknowledged: [])
        #expect(!v.passed)
        #expect(v.detail.hasPrefix("1 of 2"))
        #expect(v.evidence.contains { $0.contains("watcher 1") && $0.contains("revision 3") && $0.contains("repeated") })
    }

    @Test func anEventDroppedAcrossAResumeIsCaught() {
        let dropped = [events[0], events[2], events[3]]
        let v = LiveWatchChecker.check([WatchRecording(watcher: 0, member: 0, resumes: 1, events: dropped)],
                                       firstRevision: 2, lastRevision: 5, acknowledged: [])
        #expect(!v.passed && v.evidence.contains { $0.contains("gap") })
    }

    @Test func aWatcherThatStoppedEarlyFailsWithItsReason() {
        let v = LiveWatchChecker.check([WatchRecording(watcher: 0, member: 0, resumes: 0, events: Array(events.prefix(2)),
                                                       error: "timed out")],
                                       firstRevision: 2, lastRevision: 5, acknowledged: [])
        #expect(!v.passed && v.evidence.contains { $0.contains("stopped: timed out") })
    }

    @Test func aProgressNotificationAheadOfAnEventIsCaught() {
        // The notification said "everything up to 4 was sent" before revisions 3 and 4 came.
        let early = WatchRecording(watcher: 0, member: 0, resumes: 1, events: events,
                                   progress: [ProgressMark(afterEvents: 1, revision: 4)])
        let v = LiveWatchChecker.check([early], firstRevision: 2, lastRevision: 5, acknowledged: [])
        #expect(!v.passed && v.evidence.contains { $0.contains("progress notification at revision 4") && $0.contains("revision 3") })
        let inSync = WatchRecording(watcher: 0, member: 0, resumes: 1, events: events,
                                    progress: [ProgressMark(afterEvents: 3, revision: 4), ProgressMark(afterEvents: 4, revision: 7)])
        #expect(LiveWatchChecker.check([inSync], firstRevision: 2, lastRevision: 5, acknowledged: []).passed)
    }
}
