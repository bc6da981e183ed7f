import Raft

/// The simulated network: messages in flight ordered by delivery tick, plus the link faults.
///
/// Reordering comes from independent random delays; duplication from enqueueing a second copy
/// with its own delay; drops from a per-message coin and from cut links. Links are checked when
/// a message is delivered, so cutting a link also loses what was already on the wire.
public struct SimNetwork {
    /// A heap entry; the message itself waits in `slots` so heap moves copy three words, not
    /// a whole Message (the simulator's hottest path).
    struct InFlight {
        var deliverAt: Int
        var seq: UInt64
        var slot: Int
    }

    /// Binary min-heap on (deliverAt, seq): seq breaks ties in send order, so equal-time
    /// deliveries are deterministic.
    private var heap: [InFlight] = []
    private var slots: [Message?] = []
    private var freeSlots: [Int] = []
    private var nextSeq: UInt64 = 0
    /// Directed links that drop everything: key = from << 32 | to.
    private var cut: Set<UInt64> = []
    /// Bound on messages in flight; beyond it new messages are dropped (a full socket buffer).
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
    }

    public var inFlight: Int { heap.count }
    public var hasCuts: Bool { !cut.isEmpty }

    static func link(_ from: NodeID, _ to: NodeID) -> UInt64 {
        (from.rawValue << 32) | (to.rawValue & 0xFFFF_FFFF)
    }

    public func isCut(from: NodeID, to: NodeID) -> Bool {
        !cut.isEmpty && cut.contains(SimNetwork.link(from, to))
    }

    public mutating func cutLink(from: NodeID, to: NodeID) { cut.insert(SimNetwork.link(from, to)) }
    public mutating func healAll() { cut.removeAll() }

    /// Returns false when the message was dropped because the network is full.
    @discardableResult
    public mutating func send(_ m: Message, deliverAt: Int) -> Bool {
        if heap.count >= capacity { return false }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = m
        } else {
            slot = slots.count
            slots.append(m)
        }
        heap.append(InFlight(deliverAt: deliverAt, seq: nextSeq, slot: slot))
        nextSeq += 1
        siftUp(heap.count - 1)
        return true
    }

    /// The next message due at or before `now`, if any.
    public mutating func popDue(now: Int) -> Message? {
        guard let top = heap.first, top.deliverAt <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        let m = slots[top.slot]!
        slots[top.slot] = nil
        freeSlots.append(top.slot)
        return m
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = heap[a], y = heap[b]
        return x.deliverAt != y.deliverAt ? x.deliverAt < y.deliverAt : x.seq < y.seq
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            if !less(i, parent) { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(l, m) { m = l }
            if r < heap.count && less(r, m) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
