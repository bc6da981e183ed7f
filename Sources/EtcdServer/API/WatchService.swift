import EtcdAPI
import Foundation
import EventLoop
import GRPC
import KVStore

/// etcdserverpb.Watch: one bidirectional stream carries many watchers.
struct WatchService {
    let member: EtcdMember
    let maxResponseBytes: Int

    func register(on server: ServiceRegistry) {
        let opening = server.opening
        server.stream("/etcdserverpb.Watch/Watch", gateway: "/v3/watch", metadata: { headers in
            // etcd fails a watch that asked for a leader when there is none.
            let wantsLeader = headers.contains { $0.0 == "hasleader" && $0.1 == "true" }
            return wantsLeader && member.leader == .none ? EtcdError.noLeader.status : nil
        }) { (stream: any ResponseStream<Etcdserverpb_WatchResponse>) in
            let session = WatchSession(member: member, stream: stream, maxResponseBytes: maxResponseBytes)
            session.metadata = opening.headers
            if opening.headers.contains(where: { $0.0 == "hasleader" && $0.1 == "true" }) {
                session.leaderMonitor = LeaderMonitor(member: member) { [weak session] in session?.leaderLost() }
            }
            return StreamHandlers(onMessage: { (request: Etcdserverpb_WatchRequest) in session.handle(request) },
                                  onClose: { session.close() })
        }
    }
}

/// The watchers of one Watch stream. IDs are the client's when it picks them, otherwise the
/// stream's next free one from 0, as in etcd.
final class WatchSession {
    let member: EtcdMember
    private let stream: any ResponseStream<Etcdserverpb_WatchResponse>
    private let outbox: WatchOutbox
    private let maxResponseBytes: Int
    private var watchers: [Int64: (handle: Watcher, fragment: Bool)] = [:]
    /// Watchers that asked for progress notifications: true while quiet since the last tick.
    private var progressQuiet: [Int64: Bool] = [:]
    private var progressTimer: LoopTimer?
    /// A progress request waits while a watcher of the stream is behind (see `progress`).
    private var progressRequested = false
    private var progressRetryTimer: LoopTimer?
    private var nextID: Int64 = 0
    private var closed = false
    /// The stream's metadata: its auth token, checked at every create as etcd does.
    var metadata: [(String, String)] = []
    /// Set when the client asked for a leader (`hasleader` metadata).
    var leaderMonitor: LeaderMonitor?

    init(member: EtcdMember, stream: any ResponseStream<Etcdserverpb_WatchResponse>, maxResponseBytes: Int) {
        self.member = member
        self.stream = stream
        self.maxResponseBytes = maxResponseBytes
        outbox = WatchOutbox(stream: stream)
        outbox.onDrained = { [weak self] in self?.answerProgressRequestIfCaughtUp() }
    }

    func handle(_ request: Etcdserverpb_WatchRequest) {
        switch request.requestUnion {
        case .createRequest(let create): self.create(create)
        case .cancelRequest(let cancel): self.cancel(cancel.watchID)
        case .progressRequest: progress()
        case nil: break
        }
    }

    /// The member has been without a leader too long for a stream that requires one.
    func leaderLost() {
        guard !closed, !stream.isClosed else { return close() }
        stream.finish(EtcdError.noLeader.status)
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        leaderMonitor?.cancel()
        leaderMonitor = nil
        progressTimer?.cancel()
        progressTimer = nil
        progressRetryTimer?.cancel()
        progressRetryTimer = nil
        outbox.close()
        for (_, watcher) in watchers { member.store.watchHub.cancel(watcher.handle) }
        watchers.removeAll()
        if !stream.isClosed { stream.finish(GRPCStatus(code: .ok, message: "")) }
    }

    private func create(_ create: Etcdserverpb_WatchCreateRequest) {
        let currentRevision = member.store.currentRevision
        var response = Etcdserverpb_WatchResponse()
        response.header = member.header(revision: currentRevision)
        response.created = true
        let id = create.watchID != 0 ? create.watchID : nextFreeID()
        let key = create.key.isEmpty ? Data([0]) : create.key  // "\0" is the smallest key
        if watchers[id] != nil {
            response.watchID = -1
            response.canceled = true
            response.cancelReason = "mvcc: duplicate watch ID provided on the WatchStream"
            return send(response)
        }
        if !create.rangeEnd.isEmpty, create.rangeEnd != Data([0]), !key.lexicographicallyPrecedes(create.rangeEnd) {
            response.watchID = -1
            response.canceled = true
            response.cancelReason = "mvcc: watcher range is empty"
            return send(response)
        }
        if let refusal = watchRefusal(key: key, rangeEnd: create.rangeEnd) {
            response.watchID = -1
            response.canceled = true
            response.cancelReason = refusal
            return send(response)
        }
        let startRevision = create.startRevision == 0 ? currentRevision + 1 : create.startRevision - Canary.resumedWatchShift(create.startRevision)
        let filters = WatchFilters(noPut: create.filters.contains(.noput), noDelete: create.filters.contains(.nodelete))
        response.watchID = id
        // The created response goes out before any event of this watcher.
        send(response)
        let handle = member.store.watchHub.watch(
            key: key, rangeEnd: create.rangeEnd, startRevision: startRevision, filters: filters, prevKV: create.prevKv,
            gate: outbox.gate
        ) { [weak self] delivery in
            self?.deliver(delivery, watchID: id) ?? false
        }
        watchers[id] = (handle, create.fragment)
        if create.progressNotify { startProgressNotifications(for: id) }
    }

    /// etcd's progress notifications: at each interval, a watcher that is caught up and got no
    /// event since the previous one receives an empty response carrying the current revision.
    private func startProgressNotifications(for id: Int64) {
        progressQuiet[id] = true
        guard progressTimer == nil else { return }
        progressTimer = member.loop.scheduleRepeating(everyMilliseconds: member.options.watchProgressNotifyIntervalMilliseconds) { [weak self] in
            self?.notifyProgress()
        }
    }

    private func notifyProgress() {
        for (id, quiet) in progressQuiet.sorted(by: { $0.key < $1.key }) {
            guard let watcher = watchers[id] else { progressQuiet.removeValue(forKey: id); continue }
            if quiet, member.store.watchHub.isSynced(watcher.handle) {
                var response = Etcdserverpb_WatchResponse()
                response.header = member.header()
                response.watchID = id
                send(response)
            }
            progressQuiet[id] = true
        }
    }

    private func nextFreeID() -> Int64 {
        while watchers[nextID] != nil { nextID += 1 }
        defer { nextID += 1 }
        return nextID
    }

    private func cancel(_ id: Int64) {
        guard let watcher = watchers.removeValue(forKey: id) else { return }
        progressQuiet.removeValue(forKey: id)
        member.store.watchHub.cancel(watcher.handle)
        var response = Etcdserverpb_WatchResponse()
        response.header = member.header()
        response.watchID = id
        response.canceled = true
        send(response)
    }

    /// etcd answers a progress request with the current revision and watch ID -1, which a
    /// client applies to every watcher of the stream; so, as etcd 3.5 does, the answer waits
    /// until no watcher of the stream is behind (paused on a full stream or catching up).
    private func progress() {
        progressRequested = true
        answerProgressRequestIfCaughtUp()
        guard progressRequested, progressRetryTimer == nil else { return }
        progressRetryTimer = member.loop.scheduleRepeating(everyMilliseconds: 50) { [weak self] in
            self?.answerProgressRequestIfCaughtUp()
        }
    }

    private func answerProgressRequestIfCaughtUp() {
        guard progressRequested, !closed, Canary.progressNotifyAheadOfEvents.isArmed || outbox.gate.isOpen &&
              watchers.values.allSatisfy({ member.store.watchHub.isSynced($0.handle) }) else { return }
        progressRequested = false
        progressRetryTimer?.cancel()
        progressRetryTimer = nil
        var response = Etcdserverpb_WatchResponse()
        response.header = member.header()
        response.watchID = -1
        send(response)
    }

    /// Called by the watch hub; false tells it this stream is full (it retries later from MVCC).
    private func deliver(_ delivery: WatchDelivery, watchID: Int64) -> Bool {
        guard !closed, let watcher = watchers[watchID] else { return true }
        var response = Etcdserverpb_WatchResponse()
        response.watchID = watchID
        switch delivery {
        case .compacted(let compactRevision):
            response.header = member.header()
            response.compactRevision = compactRevision
            response.canceled = true
            response.cancelReason = "etcdserver: mvcc: required revision has been compacted"
            watchers.removeValue(forKey: watchID)
            member.store.watchHub.cancel(watcher.handle)
            send(response)
            return true
        case .events(let events, let revision):
            response.header = member.header(revision: revision)
            response.events = events
            let parts = watcher.fragment ? fragments(of: response) : [response]
            // A full stream takes nothing: the gate closes, the hub pauses this stream's watchers
            // and they resume from MVCC history once the stream drains.
            guard outbox.trySend(parts[0]) else { return false }
            if progressQuiet[watchID] != nil { progressQuiet[watchID] = false }
            for part in parts.dropFirst() { send(part) }
            return true
        }
    }

    /// Splits a response larger than the request limit into fragments, each flagged but the last.
    private func fragments(of response: Etcdserverpb_WatchResponse) -> [Etcdserverpb_WatchResponse] {
        guard ((try? response.serializedData().count) ?? 0) > maxResponseBytes, response.events.count > 1 else { return [response] }
        var result: [Etcdserverpb_WatchResponse] = []
        var current = response
        current.events = []
        var size = 0
        for event in response.events {
            let eventSize = (try? event.serializedData().count) ?? 0
            if !current.events.isEmpty, size + eventSize > maxResponseBytes {
                current.fragment = true
                result.append(current)
                current.events = []
                size = 0
            }
            current.events.append(event)
            size += eventSize
        }
        current.fragment = false
        result.append(current)
        return result
    }

    /// Sends a response that must not be lost; a full stream holds it (in order) until it drains.
    private func send(_ response: Etcdserverpb_WatchResponse) {
        guard !stream.isClosed, !outbox.send(response) else { return }
        // Only a client that created tens of thousands of watchers without reading gets here.
        stream.finish(GRPCStatus(code: .resourceExhausted, message: "etcdserver: too many watch responses held for a client that does not read"))
        close()
    }
}
