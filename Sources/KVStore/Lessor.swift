import EtcdAPI
import Foundation

/// Leases: their TTLs, the keys attached to them and, on the primary (the leader), their expiry.
/// Grant and revoke are replicated (they arrive through `KVStore.apply`); keep-alive (`renew`) is
/// not, like etcd: only the primary tracks expiry, and it proposes revokes for `expired(...)`.
/// Time is injected as milliseconds from any monotonic origin the caller picks.
public final class Lessor {
    /// etcd's upper bound on a lease TTL, in seconds.
    public static let maxTTLSeconds: Int64 = 9_000_000_000

    final class Lease {
        let id: LeaseID
        /// Granted TTL in seconds (already raised to the minimum).
        let ttlSeconds: Int64
        /// Expiry on the primary; nil means "never" (not primary).
        var expiryMilliseconds: UInt64?
        var keys: Set<Data> = []
        /// The remaining TTL the leader last checkpointed through Raft (0: none, or reset by a
        /// keep-alive). A new leader starts the lease from it instead of the full TTL.
        var checkpointedRemainingSeconds: Int64 = 0
        /// On the primary, when the lease's next checkpoint is due (nil: not scheduled yet).
        var nextCheckpointMilliseconds: UInt64?

        init(id: LeaseID, ttlSeconds: Int64) {
            self.id = id
            self.ttlSeconds = ttlSeconds
        }

        func refresh(now: UInt64) { expiryMilliseconds = now &+ UInt64(ttlSeconds) * 1000 }

        /// Becoming primary: the checkpointed remaining TTL when there is one, else the full TTL.
        func resume(now: UInt64) {
            let seconds = checkpointedRemainingSeconds > 0 ? min(checkpointedRemainingSeconds, ttlSeconds) : ttlSeconds
            expiryMilliseconds = now &+ UInt64(seconds) * 1000
        }
    }

    public let minTTLSeconds: Int64
    public private(set) var isPrimary: Bool
    private let backend: LMDBBackend
    private var leasesByID: [LeaseID: Lease] = [:]
    private var leaseOfKey: [Data: LeaseID] = [:]

    init(backend: LMDBBackend, minTTLSeconds: Int64, nowMilliseconds: UInt64?) {
        self.backend = backend
        self.minTTLSeconds = minTTLSeconds
        isPrimary = nowMilliseconds != nil
        loadPersisted(now: nowMilliseconds)
    }

    /// Restarting resets every expiry to now + TTL (etcd does the same on restart/promotion):
    /// the remaining time before a crash is unknown, and renewing is always safe.
    private func loadPersisted(now: UInt64?) {
        backend.scan(.lease, from: nil) { _, value in
            guard let pb = try? Leasepb_Lease(serializedBytes: Data(value)) else { return true }
            let lease = Lease(id: LeaseID(pb.id), ttlSeconds: max(pb.ttl, minTTLSeconds))
            if let now { lease.refresh(now: now) }
            leasesByID[lease.id] = lease
            return true
        }
    }

    // MARK: - Queries (any member)

    public func exists(_ id: LeaseID) -> Bool { leasesByID[id] != nil }

    /// All lease IDs, soonest expiry first (etcd 3.4's LeaseLeases order); leases without an
    /// expiry (not primary) come last, by ID.
    public func leases() -> [LeaseID] {
        leasesByID.values.sorted { ($0.expiryMilliseconds ?? .max, $0.id) < ($1.expiryMilliseconds ?? .max, $1.id) }.map(\.id)
    }

    public var count: Int { leasesByID.count }

    /// The lease a key is attached to, or `.none`.
    public func lease(ofKey key: Data) -> LeaseID { leaseOfKey[key] ?? .none }

    /// Granted TTL, remaining TTL in whole seconds (truncated like etcd; huge when not primary)
    /// and, if asked, the attached keys in byte order.
    public func timeToLive(_ id: LeaseID, keys includeKeys: Bool, nowMilliseconds: UInt64) throws(EtcdError)
        -> (grantedTTL: Int64, remainingTTL: Int64, keys: [Data])
    {
        guard let lease = leasesByID[id] else { throw .leaseNotFound }
        let keys = includeKeys ? lease.keys.sorted { compareBytes($0, $1) < 0 } : []
        return (lease.ttlSeconds, remainingSeconds(lease, now: nowMilliseconds), keys)
    }

    private func remainingSeconds(_ lease: Lease, now: UInt64) -> Int64 {
        guard let expiry = lease.expiryMilliseconds else { return Int64.max / 1_000_000_000 }
        let remainingMs = Int64(bitPattern: expiry &- now)
        return remainingMs / 1000
    }

    // MARK: - Primary only (not replicated)

    /// Keep-alive: resets the expiry to now + TTL and returns the TTL.
    public func renew(_ id: LeaseID, nowMilliseconds: UInt64) throws(EtcdError) -> Int64 {
        guard isPrimary else { throw .notPrimary }
        guard let lease = leasesByID[id] else { throw .leaseNotFound }
        // An expired lease is waiting for its revoke to be applied: it cannot come back.
        if let expiry = lease.expiryMilliseconds, expiry <= nowMilliseconds { throw .leaseNotFound }
        lease.refresh(now: nowMilliseconds)
        return lease.ttlSeconds
    }

    /// True when `id` has expired on this primary and its revoke is not applied yet. A keep-alive
    /// for it must wait: answering "gone" now would be wrong if a new leader takes over before
    /// the revoke commits (it restores the lease with a fresh TTL), as etcd's lessor waits too.
    public func awaitsRevoke(_ id: LeaseID, nowMilliseconds: UInt64) -> Bool {
        guard isPrimary, let expiry = leasesByID[id]?.expiryMilliseconds else { return false }
        return expiry <= nowMilliseconds
    }

    /// Leases whose expiry has passed, soonest first, at most `limit` of them; the server
    /// proposes a revoke for each (and may ask again: they stay until the revoke is applied).
    public func expired(nowMilliseconds: UInt64, limit: Int = 1000) -> [LeaseID] {
        guard isPrimary else { return [] }
        let due = leasesByID.values.filter { ($0.expiryMilliseconds ?? .max) <= nowMilliseconds }
        return due.sorted { ($0.expiryMilliseconds!, $0.id) < ($1.expiryMilliseconds!, $1.id) }
            .prefix(limit).map(\.id)
    }

    /// Becoming leader: every lease gets a fresh full TTL, or what its last checkpoint left.
    public func promote(nowMilliseconds: UInt64) {
        isPrimary = true
        for lease in leasesByID.values {
            lease.resume(now: nowMilliseconds)
            lease.nextCheckpointMilliseconds = nil
        }
    }

    /// Losing leadership: expiry is the new leader's business.
    public func demote() {
        isPrimary = false
        for lease in leasesByID.values {
            lease.expiryMilliseconds = nil
            lease.nextCheckpointMilliseconds = nil
        }
    }

    /// On the primary: the remaining TTLs (whole seconds, rounded up) to checkpoint through Raft
    /// now, at most `limit`; each lease longer than `intervalMilliseconds` is checkpointed once
    /// per interval (shorter ones would expire before a checkpoint matters, as in etcd). A lease
    /// renewed since its last checkpoint gets 0, clearing the checkpoint everywhere.
    public func dueCheckpoints(nowMilliseconds now: UInt64, intervalMilliseconds: UInt64, limit: Int = 1000)
        -> [(id: LeaseID, remainingSeconds: Int64)]
    {
        guard isPrimary, intervalMilliseconds > 0 else { return [] }
        var due: [(id: LeaseID, remainingSeconds: Int64)] = []
        for lease in leasesByID.values.sorted(by: { $0.id < $1.id }) where due.count < limit {
            guard UInt64(lease.ttlSeconds) * 1000 > intervalMilliseconds, let expiry = lease.expiryMilliseconds, expiry > now
            else { continue }
            guard let next = lease.nextCheckpointMilliseconds else {
                lease.nextCheckpointMilliseconds = now + intervalMilliseconds
                continue
            }
            guard next <= now else { continue }
            lease.nextCheckpointMilliseconds = now + intervalMilliseconds
            let remaining = Int64((expiry - now + 999) / 1000)
            if remaining < lease.ttlSeconds {
                due.append((lease.id, remaining))
            } else if lease.checkpointedRemainingSeconds > 0 {
                due.append((lease.id, 0))
            }
        }
        return due
    }

    // MARK: - Replicated changes (called by KVStore.apply)

    func grant(_ id: LeaseID, ttlSeconds: Int64, nowMilliseconds: UInt64) throws(EtcdError) -> (id: LeaseID, ttl: Int64) {
        precondition(id != .none, "grant of lease 0")
        if ttlSeconds > Self.maxTTLSeconds { throw .leaseTTLTooLarge }
        if leasesByID[id] != nil { throw .leaseExists }
        let lease = Lease(id: id, ttlSeconds: max(ttlSeconds, minTTLSeconds))
        if isPrimary { lease.refresh(now: nowMilliseconds) }
        leasesByID[id] = lease
        var pb = Leasepb_Lease()
        pb.id = id.rawValue
        pb.ttl = lease.ttlSeconds
        backend.put(.lease, Self.storageKey(id), try! pb.serializedData())
        return (id, lease.ttlSeconds)
    }

    /// A checkpoint from the leader (replicated): remembered for when this member leads.
    func checkpoint(_ id: LeaseID, remainingSeconds: Int64) {
        leasesByID[id]?.checkpointedRemainingSeconds = max(0, remainingSeconds)
    }

    /// Keys attached to a lease, in byte order (revoke deletes them in this order).
    func attachedKeys(_ id: LeaseID) -> [Data] {
        (leasesByID[id]?.keys ?? []).sorted { compareBytes($0, $1) < 0 }
    }

    /// Forgets a lease (its keys must have been deleted already).
    func remove(_ id: LeaseID) {
        guard let lease = leasesByID.removeValue(forKey: id) else { return }
        for key in lease.keys where leaseOfKey[key] == id { leaseOfKey[key] = nil }
        backend.delete(.lease, Self.storageKey(id))
    }

    func attach(_ key: Data, to id: LeaseID) {
        guard id != .none, let lease = leasesByID[id] else { return }
        lease.keys.insert(key)
        leaseOfKey[key] = id
    }

    func detach(_ key: Data) {
        guard let id = leaseOfKey.removeValue(forKey: key) else { return }
        leasesByID[id]?.keys.remove(key)
    }

    /// A lease ID for a grant proposed with ID 0, derived from the Raft index so every member
    /// picks the same one; never 0, never negative, never an existing lease.
    func deterministicID(seed: UInt64) -> LeaseID {
        var x = seed
        while true {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let id = LeaseID(Int64(bitPattern: z & 0x7FFF_FFFF_FFFF_FFFF))
            if id != .none && leasesByID[id] == nil { return id }
        }
    }

    static func storageKey(_ id: LeaseID) -> Data { BigEndianBytes.encode(UInt64(bitPattern: id.rawValue)) }
}
