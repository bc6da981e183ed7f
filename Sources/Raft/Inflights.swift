// Flow control for a follower in replicate state: the last index of each append message still
// in flight, oldest first. When `capacity` messages are outstanding the leader stops sending.

struct Inflights {
    let capacity: Int
    private(set) var lastIndexes: [LogIndex] = []

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { lastIndexes.count }
    var isFull: Bool { lastIndexes.count >= capacity }

    mutating func add(_ index: LogIndex) {
        precondition(!isFull, "inflights overflow")
        precondition(lastIndexes.last.map { $0 <= index } ?? true, "inflights must grow monotonically")
        lastIndexes.append(index)
    }

    /// Acknowledged up to `index`: every message ending at or before it has arrived.
    mutating func free(upTo index: LogIndex) {
        let n = lastIndexes.prefix { $0 <= index }.count
        if n > 0 { lastIndexes.removeFirst(n) }
    }

    /// A heartbeat response proves the follower is alive: let one more message go.
    mutating func freeFirst() {
        if !lastIndexes.isEmpty { lastIndexes.removeFirst() }
    }

    mutating func reset() { lastIndexes.removeAll(keepingCapacity: true) }
}
