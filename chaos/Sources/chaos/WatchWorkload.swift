import ChaosCheckers
import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// Live watchers during the faults: each watches the workload's prefix from revision 1 (prev_kv
/// on) through its own connection, starting at a different member. EtcdWatcher resumes after a
/// transport failure from the revision after its last event; when the watch ends otherwise (a
/// server cancel, a stream error) this workload re-creates it the same way, except after a
/// compacted cancel: then from the compact revision, noted with the events. Every event is
/// recorded. Loop thread only.
final class WatchWorkload {
    private struct Live {
        var member: Int
        var connection: EtcdConnection
        var watcher: EtcdWatcher?
        var events: [StoreEvent] = []
        var progress: [ProgressMark] = []
        var compactions: [CompactionMark] = []
        /// The compact revision of the last compacted cancel: the watch resumes there, not earlier.
        var compactedResume: Int64 = 0
        /// How long a churned watcher stays away before resuming (other restarts: 100 ms).
        var churnPauseMilliseconds: UInt64?
        /// Re-creations by this workload (EtcdWatcher's own resumes are added at the end).
        var restarts = 0
        var clientResumes = 0
        var lastError: String?
    }

    private let loop: EventLoop
    private let prefix: String
    private var live: [Live] = []
    private var stopping = false
    private var progressTimer: LoopTimer?
    /// Progress requests keep the watch honest about what it sent (etcd #15220).
    static let progressEveryMilliseconds: UInt64 = 300
    static let maxProgressMarksPerWatcher = 100_000
    /// Every so often one watcher (in turn) is cancelled and resumed, so resumption is
    /// exercised under load even when no fault breaks a stream.
    private var churnTimer: LoopTimer?
    private var nextChurn = 0
    static let churnEveryMilliseconds: UInt64 = 1500
    /// A churned client comes back after one of these in turn, so some resume far enough behind
    /// for a compaction to overtake them.
    static let churnPausesMilliseconds: [UInt64] = [100, 700, 1300]
    /// Bounds re-creations so a member that refuses every watch cannot spin the loop.
    static let maxRestartsPerWatcher = 1000
    static let maxEventsPerWatcher = 1_000_000

    init(loop: EventLoop, endpoints: [Endpoint], prefix: String, watchers: Int) {
        self.loop = loop
        self.prefix = prefix
        for w in 0..<watchers {
            let member = w % endpoints.count
            let rotated = Array(endpoints[member...] + endpoints[..<member])
            let config = EtcdClientConfig(endpoints: rotated, dialTimeoutMilliseconds: 500,
                                          requestTimeoutMilliseconds: 1500, reconnectBackoffMilliseconds: 100)
            live.append(Live(member: member, connection: EtcdConnection(loop: loop, config: config)))
        }
    }

    func start() {
        for i in live.indices { open(i) }
        progressTimer = loop.scheduleRepeating(everyMilliseconds: Self.progressEveryMilliseconds) { [weak self] in
            self?.live.forEach { $0.watcher?.requestProgress() }
        }
        churnTimer = loop.scheduleRepeating(everyMilliseconds: Self.churnEveryMilliseconds) { [weak self] in
            guard let self, !self.live.isEmpty else { return }
            let i = self.nextChurn % self.live.count
            guard self.live[i].watcher != nil else { self.nextChurn += 1; return }
            self.live[i].churnPauseMilliseconds = Self.churnPausesMilliseconds[self.nextChurn % Self.churnPausesMilliseconds.count]
            self.nextChurn += 1
            self.live[i].watcher?.cancel()  // onEnd re-creates it from the revision after its last event
        }
    }

    /// The highest revision every watcher has reached (0 if one has seen nothing).
    var lowestRevision: Int64 {
        live.map { $0.events.last?.modRevision ?? 0 }.min() ?? 0
    }

    /// Waits (polling on the loop) until every watcher reached `revision` or `seconds` passed.
    func waitFor(revision: Int64, seconds: Double, done: @escaping () -> Void) {
        let deadline = Date().addingTimeInterval(seconds)
        func poll() {
            if lowestRevision >= revision || Date() >= deadline { return done() }
            loop.schedule(afterMilliseconds: 50) { poll() }
        }
        poll()
    }

    /// Cancels every watch and returns what each one saw.
    func stop(lastRevision: Int64) -> [WatchRecording] {
        stopping = true
        progressTimer?.cancel()
        progressTimer = nil
        churnTimer?.cancel()
        churnTimer = nil
        return live.indices.map { i in
            let l = live[i]
            let resumes = l.restarts + l.clientResumes + (l.watcher?.resumeCount ?? 0)
            l.watcher?.cancel()
            l.connection.close()
            let reached = l.events.last?.modRevision ?? 0
            let error = reached >= lastRevision ? nil : (l.lastError ?? "reached only revision \(reached)")
            return WatchRecording(watcher: i, member: l.member, resumes: resumes, events: l.events, progress: l.progress, error: error,
                                  compactions: l.compactions)
        }
    }

    private func open(_ i: Int) {
        guard !stopping else { return }
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = Data(prefix.utf8)
        request.rangeEnd = Data(StoreHistoryReader.prefixEnd(prefix).utf8)
        // After a compacted cancel etcd allows a watch from the compact revision, whose event must come.
        request.startRevision = max((live[i].events.last?.modRevision ?? 0) + 1, live[i].compactedResume)
        request.prevKv = true
        let watcher = live[i].connection.watch(request)
        live[i].watcher = watcher
        // Asked at once, it races the catch-up of a resumed watch: the answer must wait for it.
        watcher.requestProgress()
        watcher.onResponse = { [weak self] response in
            guard let self, !self.stopping, self.live[i].events.count < Self.maxEventsPerWatcher else { return }
            self.live[i].events += response.events.map(StoreHistoryReader.event)
            let isProgress = response.events.isEmpty && !response.created && !response.canceled && response.compactRevision == 0
            if isProgress, self.live[i].progress.count < Self.maxProgressMarksPerWatcher {
                self.live[i].progress.append(ProgressMark(afterEvents: self.live[i].events.count, revision: response.header.revision))
            }
            if response.compactRevision != 0 {
                self.live[i].compactedResume = response.compactRevision
                if self.live[i].compactions.count < Self.maxProgressMarksPerWatcher {
                    self.live[i].compactions.append(CompactionMark(afterEvents: self.live[i].events.count,
                                                                   compactRevision: response.compactRevision))
                }
            }
            if response.canceled { self.live[i].lastError = "canceled: \(response.cancelReason)" }
        }
        watcher.onEnd = { [weak self, weak watcher] error in
            guard let self, !self.stopping else { return }
            if let error { self.live[i].lastError = "\(error)" }
            self.live[i].clientResumes += watcher?.resumeCount ?? 0
            self.live[i].watcher = nil
            guard self.live[i].restarts < Self.maxRestartsPerWatcher else { return }
            self.live[i].restarts += 1
            let pause = self.live[i].churnPauseMilliseconds ?? 100
            self.live[i].churnPauseMilliseconds = nil
            self.loop.schedule(afterMilliseconds: pause) { [weak self] in self?.open(i) }
        }
    }
}
