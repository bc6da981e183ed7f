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

    public static let authenticate = EtcdRPC<Etcdserverpb_AuthenticateRequest, Etcdserverpb_AuthenticateResponse>("/etcdserverpb.Auth/Authenticate", safe: true)
    public static let authEnable = EtcdRPC<Etcdserverpb_AuthEnableRequest, Etcdserverpb_AuthEnableResponse>("/etcdserverpb.Auth/AuthEnable", safe: false)
    public static let authDisable = EtcdRPC<Etcdserverpb_AuthDisableRequest, Etcdserverpb_AuthDisableResponse>("/etcdserverpb.Auth/AuthDisable", safe: false)
    public static let userAdd = EtcdRPC<Etcdserverpb_AuthUserAddRequest, Etcdserverpb_AuthUserAddResponse>("/etcdserverpb.Auth/UserAdd", safe: false)
    public static let userGet = EtcdRPC<Etcdserverpb_AuthUserGetRequest, Etcdserverpb_AuthUserGetResponse>("/etcdserverpb.Auth/UserGet", safe: true)
    public static let userList = EtcdRPC<Etcdserverpb_AuthUserListRequest, Etcdserverpb_AuthUserListResponse>("/etcdserverpb.Auth/UserList", safe: true)
    public static let userDelete = EtcdRPC<Etcdserverpb_AuthUserDeleteRequest, Etcdserverpb_AuthUserDeleteResponse>("/etcdserverpb.Auth/UserDelete", safe: false)
    public static let userChangePassword = EtcdRPC<Etcdserverpb_AuthUserChangePasswordRequest, Etcdserverpb_AuthUserChangePasswordResponse>("/etcdserverpb.Auth/UserChangePassword", safe: false)
    public static let userGrantRole = EtcdRPC<Etcdserverpb_AuthUserGrantRoleRequest, Etcdserverpb_AuthUserGrantRoleResponse>("/etcdserverpb.Auth/UserGrantRole", safe: false)
    public static let userRevokeRole = EtcdRPC<Etcdserverpb_AuthUserRevokeRoleRequest, Etcdserverpb_AuthUserRevokeRoleResponse>("/etcdserverpb.Auth/UserRevokeRole", safe: false)
    public static let roleAdd = EtcdRPC<Etcdserverpb_AuthRoleAddRequest, Etcdserverpb_AuthRoleAddResponse>("/etcdserverpb.Auth/RoleAdd", safe: false)
    public static let roleGet = EtcdRPC<Etcdserverpb_AuthRoleGetRequest, Etcdserverpb_AuthRoleGetResponse>("/etcdserverpb.Auth/RoleGet", safe: true)
    public static let roleList = EtcdRPC<Etcdserverpb_AuthRoleListRequest, Etcdserverpb_AuthRoleListResponse>("/etcdserverpb.Auth/RoleList", safe: true)
    public static let roleDelete = EtcdRPC<Etcdserverpb_AuthRoleDeleteRequest, Etcdserverpb_AuthRoleDeleteResponse>("/etcdserverpb.Auth/RoleDelete", safe: false)
    public static let roleGrantPermission = EtcdRPC<Etcdserverpb_AuthRoleGrantPermissionRequest, Etcdserverpb_AuthRoleGrantPermissionResponse>("/etcdserverpb.Auth/RoleGrantPermission", safe: false)
    public static let roleRevokePermission = EtcdRPC<Etcdserverpb_AuthRoleRevokePermissionRequest, Etcdserverpb_AuthRoleRevokePermissionResponse>("/etcdserverpb.Auth/RoleRevokePermission", safe: false)

    /// Streaming paths (bidi: Watch, LeaseKeepAlive; server-streaming: Snapshot).
    public static let watchPath = "/etcdserverpb.Watch/Watch"
    public static let leaseKeepAlivePath = "/etcdserverpb.Lease/LeaseKeepAlive"
    public static let snapshotPath = "/etcdserverpb.Maintenance/Snapshot"
}
