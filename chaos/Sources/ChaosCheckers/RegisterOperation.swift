/// One client operation on a per-key register, as the workload recorded it.
///
/// Times are monotonic nanoseconds since the run started. An operation whose outcome is
/// `unknown` (a write that timed out or lost its connection) may or may not have taken effect:
/// the checker treats it as still pending at the end of the history.
public struct RegisterOperation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case read, write, cas }
    public enum Outcome: String, Codable, Sendable { case ok, fail, unknown }

    public var id: Int
    public var client: Int
    public var key: String
    public var kind: Kind
    /// write: the value written; cas: the new value; read: the value observed (nil: no key).
    public var value: String?
    /// cas only: the value compared against.
    public var expected: String?
    /// cas only, when ok: whether the compare held (and the write happened).
    public var succeeded: Bool?
    /// The store revision in the response header (ok operations).
    public var revision: Int64?
    /// read only: the key's mod revision observed (nil: no key).
    public var modRevision: Int64?
    public var invokeNanos: UInt64
    /// nil when the outcome is unknown.
    public var completeNanos: UInt64?
    public var outcome: Outcome
    public var error: String?
    /// Index of the member the client sent the request to.
    public var member: Int

    public init(id: Int, client: Int, key: String, kind: Kind, value: String? = nil, expected: String? = nil,
                succeeded: Bool? = nil, revision: Int64? = nil, modRevision: Int64? = nil,
                invokeNanos: UInt64, completeNanos: UInt64?, outcome: Outcome, error: String? = nil, member: Int = 0) {
        self.id = id
        self.client = client
        self.key = key
        self.kind = kind
        self.value = value
        self.expected = expected
        self.succeeded = succeeded
        self.revision = revision
        self.modRevision = modRevision
        self.invokeNanos = invokeNanos
        self.completeNanos = completeNanos
        self.outcome = outcome
        self.error = error
        self.member = member
    }

    /// Whether this operation changed (or may have changed) the register.
    public var mayWrite: Bool {
        switch kind {
        case .read: false
        case .write: outcome != .fail
        case .cas: outcome == .unknown || succeeded == true
        }
    }

    /// A one-line rendering for failure reports.
    public var summary: String {
        let span = "[\(invokeNanos / 1_000_000)ms..\(completeNanos.map { "\($0 / 1_000_000)ms" } ?? "?")]"
        let body: String
        switch kind {
        case .read: body = "read -> \(value ?? "nil")"
        case .write: body = "write \(value ?? "nil")"
        case .cas: body = "cas \(expected ?? "nil") -> \(value ?? "nil")" + (succeeded.map { $0 ? " ok" : " failed" } ?? "")
        }
        return "#\(id) client \(client) m\(member + 1) \(key) \(body) \(outcome.rawValue) \(span)"
    }
}
