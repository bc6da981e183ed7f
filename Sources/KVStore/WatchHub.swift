import EtcdAPI
import Foundation

/// Receives the events of a watcher. `revision` is the store revision the batch is current
/// to. Return false when the consumer cannot take the batch now (its queue is full): nothing
/// of the batch counts as delivered, the watcher becomes unsynced and is caught up later from
/// the store, starting again at the first undelivered revision.
public typealias WatchSink = (_ events: [Mvccpb_Event], _ revision: Int64) -> Bool

/// Told once that the watcher's next revision was compacted away; the watcher is then ended.
public typealias WatchCompactedHandler = (_ compactRevision: Int64) -> Void

public struct WatchFilters: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let noPut = WatchFilters(rawValue: 1)
    public static let noDelete = WatchFilters(rawValue: 2)
}

/// One watcher. The server keeps its own watch IDs; this handle is what it cancels.
public final class Watcher {
    enum State { case synced, unsynced, ended }

    /// Creation order: watchers are visited in this order so delivery is deterministic.
    let serial: UInt64
    public let range: KeyRange
    public let prevKV: Bool
    public let filters: WatchFilters
    let sink: WatchSink
    let onCompacted: WatchCompactedHandler
    /// Shared by the watchers of one consumer; closed while that consumer cannot take events.
    let gate: WatchGate?
    /// The first revision not yet delivered (or skipped as irrelevant).
    public internal(set) var nextRevision: Int64
    var state: State

    init(serial: UInt64, range: KeyRange, prevKV: Bool, filters: WatchFilters, nextRevision: Int64,
         state: State, gate: WatchGate?, sink: @escaping WatchSink, onCompacted: @escaping WatchCompactedHandler) {
        self.serial = serial
        self.range = range
        self.prevKV = prevKV
        self.filters = filters
        self.nextRevision = nextRevision
        self.state = state
        self.sink = sink
        self.onCompacted = onCompacted
        self.gate = gate
    }

    var isPaused: Bool { gate.map { !$0.isOpen } ?? false }

    func wants(_ e: Mvccpb_Event) -> Bool {
        if e.type == .put && filters.contains(.noPut) { return false }
        if e.type == .delete && filters.contains(.noDelete) { return false }
        return range.contains(e.kv.key)
    }
}

/// What the hub needs from the store: revisions, history for catch-up and previous values.
protocol WatchEventSource: AnyObject {
    var currentRevision: Int64 { get }
    var compactedRevision: Int64 { get }
    /// Events of whole revisions from `fromRevision` on, stopping at a revision boundary once
    /// `scanLimit` stored changes were read; returns the last revision fully read.
    func history(from fromRevision: Int64, scanLimit: Int) -> (events: [Mvccpb_Event], lastRevision: Int64)
    func keyValue(_ key: Data, at atRev: Int64) -> Mvccpb_KeyValue?
}

/// Watchers, synced (they get each revision's events as it is applied) or unsynced (behind the
/// store: a start revision in the past, or a sink that was full), caught up in bounded steps.
public final class WatchHub {
    weak var source: (any WatchEventSource)?
    private var watchers: [UInt64: Watcher] = [:]
    private var nextSerial: UInt64 = 1
    /// Watchers in creation order, rebuilt only after a watcher is added, removed or changes
    /// state (notify runs on every applied write; it must not sort every time).
    private var orderCache: [Watcher]?
    /// Canary only (etcd #18089): a watcher caught up from exactly the compaction revision
    /// loses that revision's events. Set by the server when the canary is armed; never in production.
    public var dropsEventAtCompactionRevision = false

    init() {}

    public var watcherCount: Int { watchers.count }
    public var unsyncedCount: Int { watchers.values.filter { $0.state == .unsynced }.count }

    /// Starts a watcher on `key`/`rangeEnd` (etcd's range rules; "\0" = from key) from
    /// `startRevision` (0 = the next revision). Watchers sharing `gate` are paused together.
    public func watch(key: Data, rangeEnd: Data = Data(), startRevision: Int64 = 0, prevKV: Bool = false,
                      filters: WatchFilters = [], gate: WatchGate? = nil, sink: @escaping WatchSink,
                      onCompacted: @escaping WatchCompactedHandler) -> Watcher {
        let current = source?.currentRevision ?? 0
        let next = startRevision <= 0 ? current + 1 : startRevision
        let w = Watcher(serial: nextSerial, range: KeyRange(key: key, rangeEnd: rangeEnd), prevKV: prevKV,
                        filters: filters, nextRevision: next, state: next > current ? .synced : .unsynced,
                        gate: gate, sink: sink, onCompacted: onCompacted)
        nextSerial += 1
        watchers[w.serial] = w
        orderCache = nil
        return w
    }

    public func cancel(_ w: Watcher) {
        w.state = .ended
        if watchers.removeValue(forKey: w.serial) != nil { orderCache = nil }
    }

    /// Whether the watcher has everything up to the store's revision (progress notifications
    /// may then be sent with the current revision).
    public func isSynced(_ w: Watcher) -> Bool { w.state == .synced }

    /// The store under the hub was replaced: every synced watcher catches up from the new
    /// store's history instead of waiting for events that will never be notified.
    func unsyncAll() {
        for w in watchers.values where w.state == .synced { w.state = .unsynced }
        orderCache = nil
    }

    private func ordered(_ state: Watcher.State) -> [Watcher] {
        if orderCache == nil { orderCache = watchers.values.sorted { $0.serial < $1.serial } }
        return orderCache!.filter { $0.state == state }
    }

    /// Hands one applied revision's events to the synced watchers.
    func notify(revision: Int64, events: [Mvccpb_Event]) {
        var prevCache: [Data: Mvccpb_KeyValue?] = [:]
        for w in ordered(.synced) where w.state == .synced && w.nextRevision <= revision {
            let mine = events.filter(w.wants)
            if mine.isEmpty {
                w.nextRevision = revision + 1
                continue
            }
            if w.isPaused {
                // Nothing is kept for a paused watcher: it re-reads this revision from history.
                w.nextRevision = revision
                w.state = .unsynced
                continue
            }
            let batch = w.prevKV ? withPrevious(mine, revision: revision, cache: &prevCache) : mine
            if w.sink(batch, revision) {
                w.nextRevision = revision + 1
            } else if w.state == .synced {
                w.nextRevision = revision
                w.state = .unsynced
            }
        }
    }

    private func withPrevious(_ events: [Mvccpb_Event], revision: Int64, cache: inout [Data: Mvccpb_KeyValue?]) -> [Mvccpb_Event] {
        events.map { e in
            var e = e
            let key = e.kv.key
            let prev: Mvccpb_KeyValue?
            if let cached = cache[key] {
                prev = cached
            } else {
                prev = source?.keyValue(key, at: revision - 1)
                cache[key] = prev
            }
            if let prev { e.prevKv = prev }
            return e
        }
    }

    /// Moves unsynced watchers forward from the store, reading about `maxEvents` stored changes
    /// in total (whole revisions only). Returns how many events were delivered.
    @discardableResult
    public func syncUnsynced(maxEvents: Int) -> Int {
        guard let source else { return 0 }
        var budget = max(1, maxEvents)
        var delivered = 0
        for w in ordered(.unsynced) where budget > 0 && w.state == .unsynced && !w.isPaused {
            if w.nextRevision < source.compactedRevision {
                let compactRev = source.compactedRevision
                cancel(w)
                w.onCompacted(compactRev)
                continue
            }
            let current = source.currentRevision
            if w.nextRevision > current {
                w.state = .synced
                continue
            }
            let (events, last) = source.history(from: w.nextRevision, scanLimit: budget)
            budget -= max(1, events.count)
            var mine = events.filter(w.wants)
            if dropsEventAtCompactionRevision { mine = droppingCompactionRevision(mine, catchingUpFrom: w.nextRevision) }
            if w.prevKV {
                mine = mine.map { e in
                    var e = e
                    if let prev = source.keyValue(e.kv.key, at: e.kv.modRevision - 1) { e.prevKv = prev }
                    return e
                }
            }
            if !mine.isEmpty {
                // The batch is current to the last revision read, not (yet) to the store.
                guard w.sink(mine, last) else { continue }
                delivered += mine.count
            }
            guard w.state == .unsynced else { continue }
            w.nextRevision = last + 1
            if w.nextRevision > current { w.state = .synced }
        }
        return delivered
    }
}
