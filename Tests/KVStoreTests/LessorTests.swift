import EtcdAPI
import Foundation
import Testing

@testable import KVStore

@Suite struct LessorTests {
    @Test func revokeDeletesAttachedKeysInOneRevision() throws {
        let s = try TestStore()
        _ = try s.grant(id: 1, ttl: 10)
        try s.put("a", "1", lease: 1)      // 2
        try s.put("b", "1", lease: 1)      // 3
        try s.put("c", "1")                // 4
        let sink = RecordingSink()
        s.store.watchHub.watch("\0", "\0", into: sink)
        let resp = try s.revoke(id: 1)
        #expect(resp.header.revision == 5)
        #expect(sink.batches.count == 1 && sink.batches[0].events == ["DEL a=@5", "DEL b=@5"])
        #expect(try s.dump() == ["c=1@4/4/1"])
        #expect(!s.store.lessor.exists(LeaseID(1)))
        #expect(throws: EtcdError.leaseNotFound) { try s.revoke(id: 1) }
    }

    @Test func leaseMovesWithPutsAndDeletes() throws {
        let s = try TestStore()
        _ = try s.grant(id: 1, ttl: 10)
        _ = try s.grant(id: 2, ttl: 10)
        try s.put("k", "1", lease: 1)
        try s.put("k", "2", lease: 2)
        try s.put("j", "1", lease: 2)
        try s.delete("j")
        let l1 = try s.store.lessor.timeToLive(LeaseID(1), keys: true, nowMilliseconds: s.now)
        let l2 = try s.store.lessor.timeToLive(LeaseID(2), keys: true, nowMilliseconds: s.now)
        #expect(l1.keys.isEmpty && l2.keys == [Data("k".utf8)])
        try s.revoke(id: 1)
        #expect(try s.dump() == ["k=2@2/3/2"])
    }

    @Test func grantErrorsAndChosenIDs() throws {
        let s = try TestStore()
        _ = try s.grant(id: 3, ttl: 10)
        #expect(throws: EtcdError.leaseExists) { try s.grant(id: 3, ttl: 10) }
        #expect(throws: EtcdError.leaseTTLTooLarge) { try s.grant(id: 4, ttl: 9_000_000_001) }
        let chosen = try s.grant(id: 0, ttl: 10)
        #expect(chosen.id > 0 && chosen.id != 3)
        #expect(s.store.lessor.leases().count == 2)
    }

    /// Expiry uses injected time; keep-alive pushes it back; the server proposes the revoke.
    @Test func expiryWithInjectedTime() throws {
        let s = try TestStore()
        let start = s.now
        _ = try s.grant(id: 1, ttl: 5)
        _ = try s.grant(id: 2, ttl: 10)
        #expect(s.store.lessor.expired(nowMilliseconds: start + 4_999).isEmpty)
        #expect(try s.store.lessor.timeToLive(LeaseID(1), keys: false, nowMilliseconds: start + 2_500).remainingTTL == 2)
        #expect(try s.store.lessor.renew(LeaseID(1), nowMilliseconds: start + 4_000) == 5)
        #expect(s.store.lessor.expired(nowMilliseconds: start + 8_999).isEmpty)
        #expect(s.store.lessor.expired(nowMilliseconds: start + 10_000) == [LeaseID(1), LeaseID(2)])
        #expect(throws: EtcdError.leaseNotFound) { try s.store.lessor.renew(LeaseID(1), nowMilliseconds: start + 10_000) }
        try s.revoke(id: 1)
        #expect(s.store.lessor.expired(nowMilliseconds: start + 10_000) == [LeaseID(2)])
    }

    /// An expired lease waits for its revoke: a keep-alive must not be told "gone" (nor renew
    /// it) until the revoke is applied; a member that is not primary never says it waits.
    @Test func expiredLeaseAwaitsRevokeUntilApplied() throws {
        let s = try TestStore()
        let start = s.now
        _ = try s.grant(id: 1, ttl: 5)
        #expect(!s.store.lessor.awaitsRevoke(LeaseID(1), nowMilliseconds: start + 4_999))
        #expect(s.store.lessor.awaitsRevoke(LeaseID(1), nowMilliseconds: start + 5_000))
        #expect(!s.store.lessor.awaitsRevoke(LeaseID(9), nowMilliseconds: start + 5_000))
        s.store.lessor.demote()
        #expect(!s.store.lessor.awaitsRevoke(LeaseID(1), nowMilliseconds: start + 5_000))
        s.store.lessor.promote(nowMilliseconds: start + 5_000)  // a new term: a fresh full TTL
        #expect(!s.store.lessor.awaitsRevoke(LeaseID(1), nowMilliseconds: start + 9_999))
        #expect(s.store.lessor.awaitsRevoke(LeaseID(1), nowMilliseconds: start + 10_000))
        try s.revoke(id: 1)
        #expect(!s.store.lessor.awaitsRevoke(LeaseID(1), nowMilliseconds: start + 10_000))
    }

    @Test func restartResetsExpiryToFullTTL() throws {
        let s = try TestStore()
        let start = s.now
        _ = try s.grant(id: 1, ttl: 5)
        try s.put("k", "v", lease: 1)
        try s.store.commitBatch()
        let later = start + 60_000                         // long after the old expiry
        try s.reopen(now: later)
        #expect(s.store.lessor.expired(nowMilliseconds: later + 4_999).isEmpty)
        #expect(s.store.lessor.expired(nowMilliseconds: later + 5_000) == [LeaseID(1)])
        #expect(try s.store.lessor.timeToLive(LeaseID(1), keys: true, nowMilliseconds: later).keys == [Data("k".utf8)])
    }

    @Test func followerNeverExpiresUntilPromoted() throws {
        let s = try TestStore(primary: false)
        _ = try s.grant(id: 1, ttl: 5)
        #expect(s.store.lessor.expired(nowMilliseconds: .max - 1).isEmpty)
        #expect(throws: EtcdError.notPrimary) { try s.store.lessor.renew(LeaseID(1), nowMilliseconds: s.now) }
        s.store.lessor.promote(nowMilliseconds: 100)
        #expect(s.store.lessor.expired(nowMilliseconds: 5_100) == [LeaseID(1)])
    }

    /// etcd 3.4 lists leases soonest expiry first.
    @Test func leasesListedByExpiry() throws {
        let s = try TestStore()
        _ = try s.grant(id: 1, ttl: 1200)
        _ = try s.grant(id: 2, ttl: 600)
        _ = try s.grant(id: 3, ttl: 900)
        #expect(s.store.lessor.leases() == [LeaseID(2), LeaseID(3), LeaseID(1)])
        _ = try s.store.lessor.renew(LeaseID(2), nowMilliseconds: s.now + 500_000)
        #expect(s.store.lessor.leases().map(\.rawValue) == [3, 2, 1])
    }
}
