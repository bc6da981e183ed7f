import EtcdAPI
import SwiftProtobuf

/// A typed etcd v3 method: its gRPC path and message types.
public struct EtcdRPC<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    public let path: String
    /// Safe to send again after a transport failure (reads and idempotent maintenance calls).
    public let isSafeToRetry: Bool

    public init(_ path: String, safe: Bool) {
        self.path = path
        self.isSafeToRetry = safe
    }
}

public enum EtcdRPCs {
    public static let range = EtcdRPC<Etcdserverpb_RangeRequest, Etcdserverpb_RangeResponse>("/etcdserverpb.KV/Range", safe: true)
    public static let put = EtcdRPC<Etcdserverpb_PutRequest, Etcdserverpb_PutResponse>("/etcdserverpb.KV/Put", safe: false)
    public static let deleteRange = EtcdRPC<Etcdserverpb_DeleteRangeRequest, Etcdserverpb_DeleteRangeResponse>("/etcdserverpb.KV/DeleteRange", safe: false)
    public static let txn = EtcdRPC<Etcdserverpb_TxnRequest, Etcdserverpb_TxnResponse>("/etcdserverpb.KV/Txn", safe: false)
    public static let compact = EtcdRPC<Etcdserverpb_CompactionRequest, Etcdserverpb_CompactionResponse>("/etcdserverpb.KV/Compact", safe: false)

    public static let leaseGrant = EtcdRPC<Etcdserverpb_LeaseGrantRequest, Etcdserverpb_LeaseGrantResponse>("/etcdserverpb.Lease/LeaseGrant", safe: false)
    public static let leaseRevoke = EtcdRPC<Etcdserverpb_LeaseRevokeRequest, Etcdserverpb_LeaseRevokeResponse>("/etcdserverpb.Lease/LeaseRevoke", safe: true)
    public static let leaseTimeToLive = EtcdRPC<Etcdserverpb_LeaseTimeToLiveRequest, Etcdserverpb_LeaseTimeToLiveResponse>("/etcdserverpb.Lease/LeaseTimeToLive", safe: true)
    public static let leaseLeases = EtcdRPC<Etcdserverpb_LeaseLeasesRequest, Etcdserverpb_LeaseLeasesResponse>("/etcdserverpb.Lease/LeaseLeases", safe: true)

    public static let memberAdd = EtcdRPC<Etcdserverpb_MemberAddRequest, Etcdserverpb_MemberAddResponse>("/etcdserverpb.Cluster/MemberAdd", safe: false)
    public static let memberRemove = EtcdRPC<Etcdserverpb_MemberRemoveRequest, Etcdserverpb_MemberRemoveResponse>("/etcdserverpb.Cluster/MemberRemove", safe: false)
    public static let memberUpdate = EtcdRPC<Etcdserverpb_MemberUpdateRequest, Etcdserverpb_MemberUpdateResponse>("/etcdserverpb.Cluster/MemberUpdate", safe: false)
    public static let memberPromote = EtcdRPC<Etcdserverpb_MemberPromoteRequest, Etcdserverpb_MemberPromoteResponse>("/etcdserverpb.Cluster/MemberPromote", safe: false)
    public static let memberList = EtcdRPC<Etcdserverpb_MemberListRequest, Etcdserverpb_MemberListResponse>("/etcdserverpb.Cluster/MemberList", safe: true)

    public static let status = EtcdRPC<Etcdserverpb_StatusRequest, Etcdserverpb_StatusResponse>("/etcdserverpb.Maintenance/Status", safe: true)
    public static let hashKV = EtcdRPC<Etcdserverpb_HashKVRequest, Etcdserverpb_HashKVResponse>("/etcdserverpb.Maintenance/HashKV", safe: true)
    public static let alarm = EtcdRPC<Etcdserverpb_AlarmRequest, Etcdserverpb_AlarmResponse>("/etcdserverpb.Maintenance/Alarm", safe: false)
    public static let defragment = EtcdRPC<Etcdserverpb_DefragmentRequest, Etcdserverpb_DefragmentResponse>("/etcdserverpb.Maintenance/Defragment", safe: true)

    /// Streaming paths (bidi: Watch, LeaseKeepAlive; server-streaming: Snapshot).
    public static let watchPath = "/etcdserverpb.Watch/Watch"
    public static let leaseKeepAlivePath = "/etcdserverpb.Lease/LeaseKeepAlive"
    public static let snapshotPath = "/etcdserverpb.Maintenance/Snapshot"
}
