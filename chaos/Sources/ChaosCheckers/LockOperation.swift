/// One operation of the lock workload, as the client saw it. A client takes a lease, calls
/// Lock (v3lock) with it, reads its lock key's create revision, does fenced writes (a txn that
/// applies only while the lock key still has that create revision), then calls Unlock.
public struct LockOperation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// v3lock Lock: `key` and `revision` (the response header) on success.
        case lock
        /// A linearizable read of the lock key right after Lock: `createRevision` (nil: absent).
        case probe
        /// The fenced txn: `succeeded` says whether the compare held, `revision` is the header.
        case fencedWrite
        /// v3lock Unlock of `key`.
        case unlock
        /// The workload's own nemesis: the session lease revoked (while waiting or holding).
        case revoke
    }

    public enum Outcome: String, Codable, Sendable {
        /// The server answered.
        case ok
        /// The server said no (an error answer), or the request never reached a server.
        case fail
        /// No answer (timeout, connection lost): it may or may not have taken effect.
        case unknown
    }

    public var id: Int
    public var client: Int
    /// Which acquisition of this client this operation belongs to (Lock and what follows it).
    public var hold: Int
    public var kind: Kind
    public var lockName: String
    public var lease: Int64
    public var invokeNanos: UInt64
    public var completeNanos: UInt64?
    public var outcome: Outcome
    /// The lock key (Lock's answer; the key the probe, fenced write and Unlock used).
    public var key: String?
    /// The revision of the response header.
    public var revision: Int64?
    /// The lock key's create revision: what the probe read, what the fenced write compared.
    public var createRevision: Int64?
    /// The fenced write's compare result.
    public var succeeded: Bool?
    /// The fenced write's record key and unique value.
    public var recordKey: String?
    public var value: String?
    public var error: String?

    public init(id: Int, client: Int, hold: Int, kind: Kind, lockName: String, lease: Int64, invokeNanos: UInt64,
                completeNanos: UInt64? = nil, outcome: Outcome = .unknown, key: String? = nil, revision: Int64? = nil,
                createRevision: Int64? = nil, succeeded: Bool? = nil, recordKey: String? = nil, value: String? = nil,
                error: String? = nil) {
        self.id = id
        self.client = client
        self.hold = hold
        self.kind = kind
        self.lockName = lockName
        self.lease = lease
        self.invokeNanos = invokeNanos
        self.completeNanos = completeNanos
        self.outcome = outcome
        self.key = key
        self.revision = revision
        self.createRevision = createRevision
        self.succeeded = succeeded
        self.recordKey = recordKey
        self.value = value
        self.error = error
    }

    public var summary: String {
        let who = "c\(client)/h\(hold) lease \(String(lease, radix: 16))"
        switch kind {
        case .lock: return "lock \(lockName) by \(who) -> \(key ?? "?") at rev \(revision.map(String.init) ?? "?")"
        case .probe: return "probe \(key ?? "?") by \(who): create rev \(createRevision.map(String.init) ?? "absent")"
        case .fencedWrite: return "fenced write \(recordKey ?? "?")=\(value ?? "?") by \(who) if create(\(key ?? "?"))=\(createRevision ?? 0) at rev \(revision.map(String.init) ?? "?")"
        case .unlock: return "unlock \(key ?? "?") by \(who)"
        case .revoke: return "revoke lease of \(who)"
        }
    }
}
