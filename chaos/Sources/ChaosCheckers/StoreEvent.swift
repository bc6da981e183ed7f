/// One change in the store's history, as a watch from revision 1 (with prev_kv) reported it.
public struct StoreEvent: Codable, Sendable, Equatable {
    public var key: String
    public var isDelete: Bool
    /// The value after the change (nil for a delete).
    public var value: String?
    public var modRevision: Int64
    /// The value before the change, from prev_kv (nil: the key did not exist).
    public var previousValue: String?

    public init(key: String, isDelete: Bool = false, value: String?, modRevision: Int64, previousValue: String?) {
        self.key = key
        self.isDelete = isDelete
        self.value = value
        self.modRevision = modRevision
        self.previousValue = previousValue
    }
}

/// Uses the store's own history to settle writes of unknown outcome before the search: values
/// are unique, so a write whose value never appears in the history was never applied.
public enum UnknownResolution {
    /// Unknown writes never applied become failed (no effect); applied ones stay pending.
    public static func resolve(_ history: [RegisterOperation], events: [StoreEvent]) -> (history: [RegisterOperation], dropped: Int) {
        var written = Set<String>()
        for e in events where !e.isDelete { if let v = e.value { written.insert(e.key + "\u{0}" + v) } }
        var dropped = 0
        let resolved = history.map { op -> RegisterOperation in
            guard op.outcome == .unknown, op.kind != .read, let v = op.value, !written.contains(op.key + "\u{0}" + v) else { return op }
            var settled = op
            settled.outcome = .fail
            settled.error = (op.error ?? "") + " (never applied: value absent from the store history)"
            dropped += 1
            return settled
        }
        return (resolved, dropped)
    }
}
