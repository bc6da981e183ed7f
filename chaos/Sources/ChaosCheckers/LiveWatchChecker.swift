/// What one live watcher saw: it watched the workload's prefix from revision 1 (prev_kv on)
/// while the nemesis ran, resuming after every failure from the revision after its last event.
public struct WatchRecording: Codable, Sendable, Equatable {
    public var watcher: Int
    /// The member it first connected to.
    public var member: Int
    /// How often the watch was re-created (transport failure, or the stream ending).
    public var resumes: Int
    public var events: [StoreEvent]
    /// Progress notifications, each after the events received before it.
    public var progress: [ProgressMark]
    /// Why it stopped before the final revision, if it did.
    public var error: String?
    /// Cancels because the watch's next revision was compacted (it resumed at the compact revision).
    public var compactions: [CompactionMark]

    public init(watcher: Int, member: Int, resumes: Int, events: [StoreEvent], progress: [ProgressMark] = [], error: String? = nil,
                compactions: [CompactionMark] = []) {
        self.watcher = watcher
        self.member = member
        self.resumes = resumes
        self.events = events
        self.progress = progress
        self.error = error
        self.compactions = compactions
    }
}

/// A progress notification: the watch promised every event up to `revision` was sent.
public struct ProgressMark: Codable, Sendable, Equatable {
    /// How many events the watcher had received when the notification came.
    public var afterEvents: Int
    public var revision: Int64

    public init(afterEvents: Int, revision: Int64) {
        self.afterEvents = afterEvents
        self.revision = revision
    }
}

/// Judges live watchers: each must have seen every revision up to the final one exactly once,
/// in order, with correct prev_kv and every acknowledged write (the same properties as the
/// end-of-run watch, but across the reconnects the faults forced); and no event may follow a
/// progress notification that already covered its revision (etcd #15220). Revisions a watcher
/// was told were compacted are excused, but none from the compact revision on (see
/// `WatchChecker`); `compactedAt` lists every revision the nemesis compacted at.
public enum LiveWatchChecker {
    public static func check(_ recordings: [WatchRecording], firstRevision: Int64, lastRevision: Int64,
                             acknowledged: [RegisterOperation], compactedAt: Set<Int64> = []) -> Verdict {
        var evidence: [String] = []
        var failed = 0
        for r in recordings {
            var verdict = WatchChecker.check(events: r.events, firstRevision: firstRevision, lastRevision: lastRevision,
                                             acknowledged: acknowledged, compactions: r.compactions, compactedAt: compactedAt)
            for mark in r.progress where mark.afterEvents < r.events.count {
                // Events are checked for order above, so the next one is the earliest that may lie.
                let next = r.events[mark.afterEvents]
                if next.modRevision <= mark.revision {
                    if verdict.passed { verdict.passed = false }
                    verdict.evidence.append("progress notification at revision \(mark.revision) came before the event at revision \(next.modRevision) on \(next.key)")
                }
            }
            if !verdict.passed, let error = r.error { verdict.evidence.insert("stopped: \(error)", at: 0) }
            guard !verdict.passed else { continue }
            failed += 1
            evidence += verdict.evidence.prefix(5).map { "watcher \(r.watcher) (member \(r.member), \(r.resumes) resumes): \($0)" }
        }
        let resumes = recordings.reduce(0) { $0 + $1.resumes }
        let compacted = recordings.reduce(0) { $0 + $1.compactions.count }
        let compactedText = compacted == 0 ? "" : ", \(compacted) compacted cancels"
        if failed > 0 {
            return Verdict(check: "live-watch", passed: false,
                           detail: "\(failed) of \(recordings.count) live watchers saw a wrong stream (\(resumes) resumes in all\(compactedText))",
                           evidence: Array(evidence.prefix(12)))
        }
        return Verdict(check: "live-watch", passed: true,
                       detail: "\(recordings.count) live watchers, \(resumes) resumes\(compactedText): each saw revisions \(firstRevision)...\(lastRevision) once, in order")
    }
}
