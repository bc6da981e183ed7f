/// One whole-store transaction over several keys, as the txn workload recorded it.
///
/// Times are monotonic nanoseconds since the run started. Every writing txn puts one value,
/// unique to it, to each key it writes, so finding that value anywhere identifies the txn.
public struct TxnOperation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Ranges of several keys, nothing else.
        case read
        /// Unconditional puts of `value` to `writeKeys`.
        case write
        /// If every key in `compares` has the expected mod revision, put `value` to
        /// `writeKeys`; otherwise range the compared keys (recorded in `observed`).
        case cas
    }

    /// One key as a range in the txn saw it: value nil and mod revision 0 when absent.
    public struct KeyState: Codable, Sendable, Equatable {
        public var key: String
        public var value: String?
        public var modRevision: Int64

        public init(key: String, value: String?, modRevision: Int64) {
            self.key = key
            self.value = value
            self.modRevision = modRevision
        }
    }

    /// A compare on a key's mod revision (0: the key must be absent).
    public struct ModCompare: Codable, Sendable, Equatable {
        public var key: String
        public var modRevision: Int64

        public init(key: String, modRevision: Int64) {
            self.key = key
            self.modRevision = modRevision
        }
    }

    public var id: Int
    public var client: Int
    public var kind: Kind
    /// write and cas: the keys put and the value put to each of them.
    public var writeKeys: [String]
    public var value: String?
    /// cas only.
    public var compares: [ModCompare]
    /// cas only, when ok: whether the compares held (and the puts happened).
    public var succeeded: Bool?
    /// read, and cas whose compares failed: what the ranges returned.
    public var observed: [KeyState]
    /// The response header's revision (ok operations): the revision a read saw, or the
    /// revision a write created.
    public var revision: Int64?
    public var invokeNanos: UInt64
    /// nil when the outcome is unknown.
    public var completeNanos: UInt64?
    public var outcome: RegisterOperation.Outcome
    public var error: String?
    /// Index of the member the client sent the request to first.
    public var member: Int

    public init(id: Int, client: Int, kind: Kind, writeKeys: [String] = [], value: String? = nil,
                compares: [ModCompare] = [], succeeded: Bool? = nil, observed: [KeyState] = [],
                revision: Int64? = nil, invokeNanos: UInt64, completeNanos: UInt64?,
                outcome: RegisterOperation.Outcome, error: String? = nil, member: Int = 0) {
        self.id = id
        self.client = client
        self.kind = kind
        self.writeKeys = writeKeys
        self.value = value
        self.compares = compares
        self.succeeded = succeeded
        self.observed = observed
        self.revision = revision
        self.invokeNanos = invokeNanos
        self.completeNanos = completeNanos
        self.outcome = outcome
        self.error = error
        self.member = member
    }

    /// Whether the txn may have put its value (ok and applied, or of unknown outcome).
    public var mayWrite: Bool {
        switch kind {
        case .read: false
        case .write: outcome != .fail
        case .cas: outcome == .unknown || (outcome == .ok && succeeded == true)
        }
    }

    /// Whether the txn certainly put its value, at `revision`.
    public var wroteForSure: Bool { outcome == .ok && mayWrite }

    /// Whether the txn's answer carries key states to check (ok reads and failed compares).
    public var isRead: Bool { outcome == .ok && !observed.isEmpty }

    /// A one-line rendering for failure reports.
    public var summary: String {
        let span = "[\(invokeNanos / 1_000_000)ms..\(completeNanos.map { "\($0 / 1_000_000)ms" } ?? "?")]"
        var body = kind.rawValue
        if !compares.isEmpty { body += " if " + compares.map { "mod(\($0.key))=\($0.modRevision)" }.joined(separator: ",") }
        if let value, !writeKeys.isEmpty { body += " put \(value) to " + writeKeys.joined(separator: ",") }
        if let succeeded { body += succeeded ? " (held)" : " (failed)" }
        if !observed.isEmpty {
            body += " saw " + observed.map { "\($0.key)=\($0.value ?? "nil")@\($0.modRevision)" }.joined(separator: ",")
        }
        let rev = revision.map { " rev \($0)" } ?? ""
        return "#\(id) client \(client) m\(member + 1) \(body) \(outcome.rawValue)\(rev) \(span)"
    }
}
