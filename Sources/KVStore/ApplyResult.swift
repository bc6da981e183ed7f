import EtcdAPI

/// The outcome of applying one committed proposal, handed back to the waiting request.
public enum ApplyResult {
    case put(Etcdserverpb_PutResponse)
    case deleteRange(Etcdserverpb_DeleteRangeResponse)
    case txn(Etcdserverpb_TxnResponse)
    case compaction(Etcdserverpb_CompactionResponse)
    case leaseGrant(Etcdserverpb_LeaseGrantResponse)
    case leaseRevoke(Etcdserverpb_LeaseRevokeResponse)
    case leaseCheckpoint(Etcdserverpb_LeaseCheckpointResponse)
    case alarm(Etcdserverpb_AlarmResponse)
    /// A range that went through Raft (etcd 3.4 serves linearizable reads by ReadIndex instead,
    /// but a proposed range is still answered).
    case range(Etcdserverpb_RangeResponse)
    /// An auth request's response (an `Etcdserverpb_Auth…Response`; the caller knows which).
    case auth(any Sendable)
    /// The entry's index was at or below `appliedIndex`: already applied before (WAL replay).
    case alreadyApplied
    case failure(EtcdError)
}
