import EtcdAPI

/// The store request a committed proposal carries (an InternalRaftRequest sets one of these).
/// The server can decode it straight from the entry bytes: materializing a whole
/// InternalRaftRequest copies its ~30 inline sub-message slots on every decode, which showed up
/// as a tenth of the apply time.
public enum RaftOperation {
    case put(Etcdserverpb_PutRequest)
    case txn(Etcdserverpb_TxnRequest)
    case deleteRange(Etcdserverpb_DeleteRangeRequest)
    case range(Etcdserverpb_RangeRequest)
    case compaction(Etcdserverpb_CompactionRequest)
    case leaseGrant(Etcdserverpb_LeaseGrantRequest)
    case leaseRevoke(Etcdserverpb_LeaseRevokeRequest)
    case leaseCheckpoint(Etcdserverpb_LeaseCheckpointRequest)
    case alarm(Etcdserverpb_AlarmRequest)
    /// Nothing this store applies (answered with "not capable").
    case unsupported

    /// The operation of `r`; when several are set, the first in this order wins (as before).
    public init(_ r: Etcdserverpb_InternalRaftRequest) {
        if r.hasPut { self = .put(r.put) }
        else if r.hasTxn { self = .txn(r.txn) }
        else if r.hasDeleteRange { self = .deleteRange(r.deleteRange) }
        else if r.hasRange { self = .range(r.range) }
        else if r.hasCompaction { self = .compaction(r.compaction) }
        else if r.hasLeaseGrant { self = .leaseGrant(r.leaseGrant) }
        else if r.hasLeaseRevoke { self = .leaseRevoke(r.leaseRevoke) }
        else if r.hasLeaseCheckpoint { self = .leaseCheckpoint(r.leaseCheckpoint) }
        else if r.hasAlarm { self = .alarm(r.alarm) }
        else { self = .unsupported }
    }
}

extension KVStore {
    /// Applies one committed operation at Raft index `index` (see `apply(_:index:nowMilliseconds:)`).
    public func apply(_ operation: RaftOperation, index: UInt64, nowMilliseconds: UInt64) -> ApplyResult {
        guard index > appliedIndex else { return .alreadyApplied }
        let result = dispatch(operation, index: index, now: nowMilliseconds)
        setAppliedIndex(index)
        return result
    }

    func dispatch(_ operation: RaftOperation, index: UInt64, now: UInt64) -> ApplyResult {
        switch operation {
        case .put(let p):
            return quotaGuarded(cost: Self.cost(p), capped: true) { () throws(EtcdError) in .put(try applyPut(p)) }
        case .txn(let t):
            let cost = Self.cost(t)
            return quotaGuarded(cost: cost, capped: cost > 0) { () throws(EtcdError) in .txn(try applyTxn(t)) }
        case .deleteRange(let d):
            return run { () throws(EtcdError) in .deleteRange(applyDeleteRange(d)) }
        case .range(let r):
            return run { () throws(EtcdError) in .range(try range(r, readRevision: currentRevision)) }
        case .compaction(let c):
            return run { () throws(EtcdError) in .compaction(try applyCompaction(c)) }
        case .leaseGrant(let g):
            return quotaGuarded(cost: Self.quotaOverheadBytes, capped: true) { () throws(EtcdError) in
                .leaseGrant(try applyLeaseGrant(g, index: index, now: now))
            }
        case .leaseRevoke(let r):
            return run { () throws(EtcdError) in .leaseRevoke(try applyLeaseRevoke(r)) }
        case .leaseCheckpoint(let request):
            for c in request.checkpoints { lessor.checkpoint(LeaseID(c.id), remainingSeconds: c.remainingTtl) }
            return .leaseCheckpoint(responseWithHeader())
        case .alarm(let a):
            return .alarm(applyAlarm(a))
        case .unsupported:
            return .failure(.notCapable)
        }
    }
}
