/// Pauses a group of watchers at once, e.g. every watcher of one Watch stream whose send queue
/// is full. While the gate is closed the hub hands them nothing and keeps nothing for them: a
/// watcher that misses a relevant revision becomes unsynced at that revision and, once the gate
/// opens, catches up from the store's history (or learns that it was compacted). Memory per
/// paused stream thus stays bounded however many writes happen meanwhile, and no event is lost
/// or delivered twice.
public final class WatchGate {
    public private(set) var isOpen = true

    public init() {}

    public func close() { isOpen = false }

    /// The hub resumes the gate's unsynced watchers on its next catch-up step.
    public func open() { isOpen = true }
}
