import Foundation

/// The cluster membership in the backend, in etcd's "members" and "members_removed" tables
/// (key: the member ID in hex; value: the member as JSON, or "removed"). Written in the same
/// batch as the entry that changed it, so the membership, the key space and the consistent
/// index always describe the same applied entry — and travel together in a backend snapshot.
extension KVStore {
    /// Every member record (ID to the encoded member) and every removed ID.
    public func membershipRecords() -> (members: [UInt64: Data], removed: Set<UInt64>) {
        var members: [UInt64: Data] = [:]
        var removed: Set<UInt64> = []
        backend.scan(.members, from: nil) { key, value in
            if let id = UInt64(String(decoding: key, as: UTF8.self), radix: 16) { members[id] = Data(value) }
            return true
        }
        backend.scan(.membersRemoved, from: nil) { key, _ in
            if let id = UInt64(String(decoding: key, as: UTF8.self), radix: 16) { removed.insert(id) }
            return true
        }
        return (members, removed)
    }

    /// Adds or replaces the record of member `id`.
    public func saveMemberRecord(id: UInt64, _ encoded: Data) {
        backend.put(.members, Self.memberKey(id), encoded)
    }

    /// Deletes member `id` and records that its ID must never be used again.
    public func removeMemberRecord(id: UInt64) {
        backend.delete(.members, Self.memberKey(id))
        backend.put(.membersRemoved, Self.memberKey(id), Data("removed".utf8))
    }

    private static func memberKey(_ id: UInt64) -> Data { Data(String(id, radix: 16).utf8) }
}
