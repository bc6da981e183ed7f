import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// The lessor's side of lease checkpoints: what the leader proposes, and what a member that
/// applied a checkpoint does when it becomes leader.
@Suite struct LeaseCheckpointTests {
    @Test func aNewLeaderResumesFromTheLastCheckpoint() throws {
        let s = try TestStore()
        _ = try s.grant(id: 1, ttl: 60)
        _ = try s.grant(id: 2, ttl: 60)
        // The first call only schedules; a checkpoint is due one interval later.
        #expect(s.store.lessor.dueCheckpoints(nowMilliseconds: s.now, intervalMilliseconds: 1000).isEmpty)
        let due = s.store.lessor.dueCheckpoints(nowMilliseconds: s.now + 10_500, intervalMilliseconds: 1000)
        #expect(due.map(\.id) == [LeaseID(1), LeaseID(2)] && due.map(\.remainingSeconds) == [50, 50])
        // Not due again before the next interval.
        #expect(s.store.lessor.dueCheckpoints(nowMilliseconds: s.now + 11_000, intervalMilliseconds: 1000).isEmpty)

        var request = Etcdserverpb_InternalRaftRequest()
        var checkpoint = Etcdserverpb_LeaseCheckpoint()
        checkpoint.id = 1
        checkpoint.remainingTtl = 50
        request.leaseCheckpoint.checkpoints = [checkpoint]
        _ = s.apply(request)

        // Leadership moves away and back: lease 1 resumes at 50 s, lease 2 (never
        // checkpointed) restarts from its full TTL, as in etcd.
        s.store.lessor.demote()
        s.store.lessor.promote(nowMilliseconds: s.now + 20_000)
        let one = try s.store.lessor.timeToLive(LeaseID(1), keys: false, nowMilliseconds: s.now + 20_000)
        let two = try s.store.lessor.timeToLive(LeaseID(2), keys: false, nowMilliseconds: s.now + 20_000)
        #expect(one.remainingTTL == 50 && one.grantedTTL == 60)
        #expect(two.remainingTTL == 60)
    }

    @Test func aRenewedLeaseClearsItsCheckpoint() throws {
        let s = try TestStore()
        _ = try s.grant(id: 1, ttl: 60)
        s.store.lessor.checkpoint(LeaseID(1), remainingSeconds: 30)
        _ = s.store.lessor.dueCheckpoints(nowMilliseconds: s.now, intervalMilliseconds: 1000)
        _ = try s.store.lessor.renew(LeaseID(1), nowMilliseconds: s.now + 1000)
        let due = s.store.lessor.dueCheckpoints(nowMilliseconds: s.now + 1500, intervalMilliseconds: 1000)
        #expect(due.map(\.id) == [LeaseID(1)] && due.map(\.remainingSeconds) == [0])
    }

    @Test func shortLeasesAndFollowersProposeNothing() throws {
        let s = try TestStore()
        _ = try s.grant(id: 1, ttl: 5)
        _ = s.store.lessor.dueCheckpoints(nowMilliseconds: s.now, intervalMilliseconds: 10_000)
        #expect(s.store.lessor.dueCheckpoints(nowMilliseconds: s.now + 20_000, intervalMilliseconds: 10_000).isEmpty)
        s.store.lessor.demote()
        #expect(s.store.lessor.dueCheckpoints(nowMilliseconds: s.now + 40_000, intervalMilliseconds: 1000).isEmpty)
    }
}
