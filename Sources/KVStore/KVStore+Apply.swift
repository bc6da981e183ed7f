import EtcdAPI
import Foundation

extension KVStore {
    /// etcd's per-key overhead in its quota arithmetic.
    static let quotaOverheadBytes = 256

    /// Applies one committed proposal at Raft index `index`. Entries at or below
    /// `appliedIndex` are skipped, so replaying the WAL tail after a restart is harmless.
    /// `nowMilliseconds` only sets the expiry of granted leases (time is never read here).
    public func apply(_ r: Etcdserverpb_InternalRaftRequest, index: UInt64, nowMilliseconds: UInt64) -> ApplyResult {
        guard index > appliedIndex else { return .alreadyApplied }
        let result = dispatch(r, index: index, now: nowMilliseconds)
        setAppliedIndex(index)
        return result
    }

    private func dispatch(_ r: Etcdserverpb_InternalRaftRequest, index: UInt64, now: UInt64) -> ApplyResult {
        if r.hasPut { return quotaGuarded(cost: Self.cost(r.put), capped: true) { () throws(EtcdError) in .put(try applyPut(r.put)) } }
        if r.hasTxn {
            let cost = Self.cost(r.txn)
            return quotaGuarded(cost: cost, capped: cost > 0) { () throws(EtcdError) in .txn(try applyTxn(r.txn)) }
        }
        if r.hasDeleteRange { return run { () throws(EtcdError) in .deleteRange(applyDeleteRange(r.deleteRange)) } }
        if r.hasRange { return run { () throws(EtcdError) in .range(try range(r.range, readRevision: currentRevision)) } }
        if r.hasCompaction { return run { () throws(EtcdError) in .compaction(try applyCompaction(r.compaction)) } }
        if r.hasLeaseGrant {
            return quotaGuarded(cost: Self.quotaOverheadBytes, capped: true) { () throws(EtcdError) in
                .leaseGrant(try applyLeaseGrant(r.leaseGrant, index: index, now: now))
            }
        }
        if r.hasLeaseRevoke { return run { () throws(EtcdError) in .leaseRevoke(try applyLeaseRevoke(r.leaseRevoke)) } }
        if r.hasLeaseCheckpoint {
            for c in r.leaseCheckpoint.checkpoints { lessor.checkpoint(LeaseID(c.id), remainingSeconds: c.remainingTtl) }
            return .leaseCheckpoint(responseWithHeader())
        }
        if r.hasAlarm { return .alarm(applyAlarm(r.alarm)) }
        return .failure(.notCapable)
    }

    private func run(_ body: () throws(EtcdError) -> ApplyResult) -> ApplyResult {
        do { return try body() } catch { return .failure(error) }
    }

    /// etcd's two quota layers: with NOSPACE raised, writes that add data are refused outright
    /// ("capped"); otherwise a write that crosses the quota is applied, answered with NOSPACE,
    /// and raises the alarm (etcd proposes the alarm; a member's own quota is local, so it is
    /// raised here directly under this member's ID).
    private func quotaGuarded(cost: Int, capped: Bool, _ body: () throws(EtcdError) -> ApplyResult) -> ApplyResult {
        if capped && alarms.isActive(.nospace) { return .failure(.noSpace) }
        let fits = quotaAvailable(cost: cost)
        let result = run(body)
        if case .failure = result { return result }
        if !fits {
            alarms.activate(memberID: memberID, .nospace)
            return .failure(.noSpace)
        }
        return result
    }

    /// Whether `cost` more bytes fit under the quota (etcd: size + cost < quota).
    public func quotaAvailable(cost: Int) -> Bool {
        guard quotaBytes > 0 else { return true }
        return dbSizeBytes + Int64(cost) < quotaBytes
    }

    /// etcd checks the quota before proposing too (quotaKVServer): a request that would not fit
    /// is refused with `.noSpace` and the member proposes a NOSPACE alarm.
    public func quotaAvailable(for p: Etcdserverpb_PutRequest) -> Bool { quotaAvailable(cost: Self.cost(p)) }
    public func quotaAvailable(for t: Etcdserverpb_TxnRequest) -> Bool { quotaAvailable(cost: Self.cost(t)) }
    public func quotaAvailableForLeaseGrant() -> Bool { quotaAvailable(cost: Self.quotaOverheadBytes) }

    static func cost(_ p: Etcdserverpb_PutRequest) -> Int { quotaOverheadBytes + p.key.count + p.value.count }

    /// The larger branch's put bytes (etcd does not look into nested txns here).
    static func cost(_ t: Etcdserverpb_TxnRequest) -> Int {
        func branch(_ ops: [Etcdserverpb_RequestOp]) -> Int {
            ops.reduce(0) { sum, op in
                if case .requestPut(let p)? = op.request { return sum + cost(p) }
                return sum
            }
        }
        return max(branch(t.success), branch(t.failure))
    }

    /// Whether the NOSPACE alarm is raised (writes are refused until it is disarmed).
    public var isNoSpaceAlarmActive: Bool { alarms.isActive(.nospace) }

    /// Raised alarms of a type (`.none` = all), for Maintenance/Alarm GET served without Raft.
    public func alarmList(_ type: Etcdserverpb_AlarmType = .none) -> [Etcdserverpb_AlarmMember] { alarms.get(type) }

    func responseWithHeader<T: HasResponseHeader>() -> T {
        var resp = T()
        resp.header.revision = currentRevision
        return resp
    }

    // MARK: - Put / DeleteRange

    func applyPut(_ p: Etcdserverpb_PutRequest) throws(EtcdError) -> Etcdserverpb_PutResponse {
        if p.lease != 0 && !lessor.exists(LeaseID(p.lease)) { throw .leaseNotFound }
        let w = beginWrite()
        defer { endWrite(w) }
        return try put(p, in: w)
    }

    /// A put inside a write (standalone or in a txn, whose checks already ran).
    func put(_ p: Etcdserverpb_PutRequest, in w: WriteTxn) throws(EtcdError) -> Etcdserverpb_PutResponse {
        var resp = Etcdserverpb_PutResponse()
        var value = p.value
        var lease = LeaseID(p.lease)
        if p.ignoreValue || p.ignoreLease || p.prevKv {
            let prev = try rangeKeys(KeyRange(key: p.key, rangeEnd: Data()), revision: 0,
                                     readRevision: w.readRevision, limit: 0, countOnly: false).kvs.first
            if p.ignoreValue || p.ignoreLease {
                guard let prev else { throw .keyNotFound }
                if p.ignoreValue { value = prev.value }
                if p.ignoreLease { lease = LeaseID(prev.lease) }
            }
            if p.prevKv, let prev { resp.prevKv = prev }
        }
        put(w, key: p.key, value: value, lease: lease)
        resp.header.revision = w.beginRevision + 1
        return resp
    }

    func applyDeleteRange(_ d: Etcdserverpb_DeleteRangeRequest) -> Etcdserverpb_DeleteRangeResponse {
        let w = beginWrite()
        defer { endWrite(w) }
        return deleteRange(d, in: w)
    }

    func deleteRange(_ d: Etcdserverpb_DeleteRangeRequest, in w: WriteTxn) -> Etcdserverpb_DeleteRangeResponse {
        var resp = Etcdserverpb_DeleteRangeResponse()
        let range = KeyRange(key: d.key, rangeEnd: d.rangeEnd)
        if d.prevKv {
            resp.prevKvs = (try? rangeKeys(range, revision: 0, readRevision: w.readRevision, limit: 0, countOnly: false).kvs) ?? []
        }
        resp.deleted = deleteRange(w, range)
        resp.header.revision = w.resultRevision
        return resp
    }

    // MARK: - Leases

    func applyLeaseGrant(_ g: Etcdserverpb_LeaseGrantRequest, index: UInt64, now: UInt64) throws(EtcdError) -> Etcdserverpb_LeaseGrantResponse {
        let id = g.id == 0 ? lessor.deterministicID(seed: index) : LeaseID(g.id)
        let granted = try lessor.grant(id, ttlSeconds: g.ttl, nowMilliseconds: now)
        var resp: Etcdserverpb_LeaseGrantResponse = responseWithHeader()
        resp.id = granted.id.rawValue
        resp.ttl = granted.ttl
        return resp
    }

    /// Deletes every key attached to the lease in one revision, then forgets the lease.
    func applyLeaseRevoke(_ r: Etcdserverpb_LeaseRevokeRequest) throws(EtcdError) -> Etcdserverpb_LeaseRevokeResponse {
        let id = LeaseID(r.id)
        guard lessor.exists(id) else { throw .leaseNotFound }
        let w = beginWrite()
        for key in lessor.attachedKeys(id) { _ = deleteRange(w, KeyRange(key: key, rangeEnd: Data())) }
        lessor.remove(id)
        endWrite(w)
        return responseWithHeader()
    }

    // MARK: - Alarms

    /// etcd's applier answers alarms without a header (`etcdctl alarm list -w json` prints `{}`
    /// when none is raised), so none is set here.
    func applyAlarm(_ a: Etcdserverpb_AlarmRequest) -> Etcdserverpb_AlarmResponse {
        var resp = Etcdserverpb_AlarmResponse()
        switch a.action {
        case .get:
            resp.alarms = alarms.get(a.alarm)
        case .activate:
            if a.alarm != .none { resp.alarms = [alarms.activate(memberID: a.memberID, a.alarm)] }
        case .deactivate:
            if let m = alarms.deactivate(memberID: a.memberID, a.alarm) { resp.alarms = [m] }
        default:
            break
        }
        return resp
    }
}

/// Responses that carry etcd's ResponseHeader.
protocol HasResponseHeader {
    init()
    var header: Etcdserverpb_ResponseHeader { get set }
}

extension Etcdserverpb_LeaseGrantResponse: HasResponseHeader {}
extension Etcdserverpb_LeaseRevokeResponse: HasResponseHeader {}
extension Etcdserverpb_LeaseCheckpointResponse: HasResponseHeader {}
extension Etcdserverpb_CompactionResponse: HasResponseHeader {}
