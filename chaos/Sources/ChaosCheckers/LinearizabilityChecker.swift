/// Wing–Gong linearizability search with Lowe's memoisation (the WGL algorithm, as in
/// Porcupine), over the register model, one key at a time (P-compositionality: a history is
/// linearizable iff each key's sub-history is).
///
/// Operations that failed definitely are dropped (they had no effect); reads of unknown
/// outcome are dropped (they had no effect either); writes of unknown outcome stay pending
/// until the end of the history, so the search may place them anywhere after their
/// invocation, including after everything else (never applied).
public enum LinearizabilityChecker {
    public struct KeyVerdict: Sendable, Equatable {
        public var key: String
        public var operations: Int
        public var result: Result
        /// When not linearizable: the operations around the point where the search got stuck.
        public var witness: [String]
    }

    public enum Result: String, Sendable, Equatable { case linearizable, notLinearizable = "not-linearizable", gaveUp = "gave-up" }

    /// Checks every key; `maxStepsPerKey` and `secondsPerKey` bound the search (the verdict
    /// is then `gaveUp`).
    public static func check(_ history: [RegisterOperation], maxStepsPerKey: Int = 20_000_000,
                             secondsPerKey: Double = 30) -> [KeyVerdict] {
        var byKey: [String: [RegisterOperation]] = [:]
        for op in history { byKey[op.key, default: []].append(op) }
        return byKey.keys.sorted().map { key in checkKey(key, byKey[key]!, maxSteps: maxStepsPerKey, seconds: secondsPerKey) }
    }

    /// The operations the search must place: definite outcomes, plus writes that may have applied.
    static func relevant(_ ops: [RegisterOperation]) -> [RegisterOperation] {
        ops.filter { op in
            switch op.outcome {
            case .ok: true
            case .fail: false
            case .unknown: op.kind != .read
            }
        }
    }

    public static func checkKey(_ key: String, _ all: [RegisterOperation], maxSteps: Int, seconds: Double = 30) -> KeyVerdict {
        let ops = relevant(all)
        var search = Search(ops: ops)
        let result = search.run(maxSteps: maxSteps, deadline: CheckerClock.now() + UInt64(seconds * 1e9))
        let witness = result == .notLinearizable ? search.witness() : []
        return KeyVerdict(key: key, operations: ops.count, result: result, witness: witness)
    }
}

/// The search state: a doubly linked list of call and return entries in time order, lifted
/// out as operations are linearized, with a stack for backtracking and a cache of
/// (linearized set, model state) pairs already explored.
struct Search {
    struct Entry {
        var op: Int
        var isCall: Bool
        var time: UInt64
        /// For a call: the index of its return entry.
        var match: Int = -1
        var prev: Int = -1
        var next: Int = -1
    }

    struct Seen: Hashable {
        var bits: [UInt64]
        var state: RegisterModel.State
    }

    let ops: [RegisterOperation]
    var entries: [Entry] = []
    /// Index of the sentinel head entry (before the first real entry).
    let head: Int
    /// The deepest linearized prefix reached, for the failure report.
    var deepest: [Int] = []
    var stuckAt: Int = -1

    init(ops: [RegisterOperation]) {
        self.ops = ops
        var raw: [Entry] = []
        for (i, op) in ops.enumerated() {
            raw.append(Entry(op: i, isCall: true, time: op.invokeNanos))
            raw.append(Entry(op: i, isCall: false, time: op.completeNanos ?? .max))
        }
        // Time order; at equal times calls first (the operations overlap).
        raw.sort { a, b in a.time != b.time ? a.time < b.time : (a.isCall && !b.isCall) }
        var returnIndex = [Int](repeating: -1, count: ops.count)
        for (i, e) in raw.enumerated() where !e.isCall { returnIndex[e.op] = i + 1 }
        entries = [Entry(op: -1, isCall: false, time: 0)]
        for (i, e) in raw.enumerated() {
            var entry = e
            entry.prev = i
            entry.next = i + 2 <= raw.count ? i + 2 : -1
            if e.isCall { entry.match = returnIndex[e.op] }
            entries.append(entry)
        }
        entries[0].next = raw.isEmpty ? -1 : 1
        head = 0
    }

    mutating func lift(_ call: Int) {
        let e = entries[call]
        entries[e.prev].next = e.next
        if e.next >= 0 { entries[e.next].prev = e.prev }
        let r = entries[e.match]
        entries[r.prev].next = r.next
        if r.next >= 0 { entries[r.next].prev = r.prev }
    }

    mutating func unlift(_ call: Int) {
        let r = entries[entries[call].match]
        entries[r.prev].next = entries[call].match
        if r.next >= 0 { entries[r.next].prev = entries[call].match }
        let e = entries[call]
        entries[e.prev].next = call
        if e.next >= 0 { entries[e.next].prev = call }
    }

    mutating func run(maxSteps: Int, deadline: UInt64) -> LinearizabilityChecker.Result {
        var bits = [UInt64](repeating: 0, count: (ops.count + 63) / 64)
        var state = RegisterModel.initial
        var cache = Set<Seen>()
        var stack: [(entry: Int, state: RegisterModel.State)] = []
        var entry = entries[head].next
        var steps = 0
        while entries[head].next >= 0 {
            steps += 1
            if steps > maxSteps { return .gaveUp }
            if steps & 0xFFF == 0 && CheckerClock.now() > deadline { return .gaveUp }
            let e = entries[entry]
            if e.isCall {
                if let next = RegisterModel.step(state, ops[e.op]) {
                    var newBits = bits
                    newBits[e.op / 64] |= 1 << UInt64(e.op % 64)
                    if cache.insert(Seen(bits: newBits, state: next)).inserted {
                        stack.append((entry, state))
                        state = next
                        bits = newBits
                        lift(entry)
                        entry = entries[head].next
                        continue
                    }
                }
                entry = e.next
            } else {
                if stack.count >= deepest.count {
                    deepest = stack.map { entries[$0.entry].op }
                    stuckAt = e.op
                }
                guard let (call, previous) = stack.popLast() else { return .notLinearizable }
                state = previous
                let op = entries[call].op
                bits[op / 64] &= ~(1 << UInt64(op % 64))
                unlift(call)
                entry = entries[call].next
            }
        }
        return .linearizable
    }

    /// The last few operations of the deepest linearization found, and the operation whose
    /// response could not be explained.
    func witness() -> [String] {
        var lines = deepest.suffix(6).map { "linearized: " + ops[$0].summary }
        if stuckAt >= 0 { lines.append("cannot place before this returns: " + ops[stuckAt].summary) }
        let stuckOp = stuckAt >= 0 ? ops[stuckAt] : nil
        if let stuckOp {
            let concurrent = ops.indices.filter { i in
                i != stuckAt && !deepest.contains(i) && ops[i].invokeNanos <= (stuckOp.completeNanos ?? .max)
            }
            lines += concurrent.prefix(6).map { "pending: " + ops[$0].summary }
        }
        return lines
    }
}
