import EtcdAPI
import Foundation
import Testing

@testable import KVStore

@Suite struct AlarmTests {
    func alarm(_ s: TestStore, _ action: Etcdserverpb_AlarmRequest.AlarmAction, _ type: Etcdserverpb_AlarmType = .nospace)
        -> Etcdserverpb_AlarmResponse
    {
        var r = Etcdserverpb_InternalRaftRequest()
        r.alarm.action = action
        r.alarm.alarm = type
        r.alarm.memberID = 7
        guard case .alarm(let resp) = s.apply(r) else { return Etcdserverpb_AlarmResponse() }
        return resp
    }

    @Test func quotaRaisesNoSpaceAndDisarmRestoresWrites() throws {
        let s = try TestStore()
        s.store.memberID = 7
        try s.put("small", "1")
        try s.store.commitBatch()
        s.store.quotaBytes = s.store.dbSizeBytes + 1024                     // a little headroom
        // Crossing the quota: applied, answered NOSPACE, alarm raised.
        #expect(throws: EtcdError.noSpace) { try s.put("big", String(repeating: "x", count: 4096)) }
        #expect(s.store.isNoSpaceAlarmActive)
        #expect(try s.get("big").count == 1)
        let rev = s.store.currentRevision
        // Capped: puts, txns with puts and lease grants are refused without a change.
        #expect(throws: EtcdError.noSpace) { try s.put("more", "1") }
        #expect(throws: EtcdError.noSpace) { try s.txn(txnRequest(success: [putOp("t", "1")])) }
        #expect(throws: EtcdError.noSpace) { try s.grant(id: 1, ttl: 10) }
        #expect(s.store.currentRevision == rev)
        // Deletes, reads and read-only txns still work.
        try s.delete("big")
        #expect(try s.txn(txnRequest(success: [rangeOp("small")])).responses.count == 1)
        let listed = alarm(s, .get)
        #expect(listed.alarms.map(\.memberID) == [7] && !listed.hasHeader)   // etcd sets no header here

        s.store.quotaBytes = 0                                              // quota off
        #expect(alarm(s, .deactivate).alarms.count == 1)
        #expect(!s.store.isNoSpaceAlarmActive)
        try s.put("more", "1")
    }

    @Test func alarmsPersist() throws {
        let s = try TestStore()
        _ = alarm(s, .activate, .corrupt)
        try s.store.commitBatch()
        try s.reopen()
        #expect(s.store.alarmList().map(\.alarm) == [.corrupt])
        #expect(alarm(s, .deactivate, .nospace).alarms.isEmpty)             // not raised: nothing
    }
}
