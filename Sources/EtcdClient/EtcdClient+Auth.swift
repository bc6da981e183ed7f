import EtcdAPI
import Foundation

/// The Auth service (clientv3's Auth interface), blocking.
extension EtcdClient {
    /// Gets a token for the configured user now (clientv3 does it in New). False when the
    /// server has auth disabled (calls then go without a token).
    @discardableResult
    public func authenticate(timeout: RequestTimeout = .configured) throws(EtcdError) -> Bool {
        let result: Result<Bool, EtcdError> = blocking { connection, finish in
            connection.authenticate(timeout: timeout) { finish($0) }
        }
        return try result.get()
    }

    public func authEnable() throws(EtcdError) -> Etcdserverpb_AuthEnableResponse {
        try call(EtcdRPCs.authEnable, Etcdserverpb_AuthEnableRequest(), timeout: .unlimited)
    }

    public func authDisable() throws(EtcdError) -> Etcdserverpb_AuthDisableResponse {
        try call(EtcdRPCs.authDisable, Etcdserverpb_AuthDisableRequest(), timeout: .unlimited)
    }

    public func userAdd(_ name: String, password: String, noPassword: Bool = false) throws(EtcdError) -> Etcdserverpb_AuthUserAddResponse {
        var r = Etcdserverpb_AuthUserAddRequest()
        r.name = name
        r.password = password
        r.options.noPassword = noPassword
        return try call(EtcdRPCs.userAdd, r, timeout: .unlimited)
    }

    public func userGet(_ name: String) throws(EtcdError) -> Etcdserverpb_AuthUserGetResponse {
        var r = Etcdserverpb_AuthUserGetRequest()
        r.name = name
        return try call(EtcdRPCs.userGet, r, timeout: .unlimited)
    }

    public func userList() throws(EtcdError) -> Etcdserverpb_AuthUserListResponse {
        try call(EtcdRPCs.userList, Etcdserverpb_AuthUserListRequest(), timeout: .unlimited)
    }

    public func userDelete(_ name: String) throws(EtcdError) -> Etcdserverpb_AuthUserDeleteResponse {
        var r = Etcdserverpb_AuthUserDeleteRequest()
        r.name = name
        return try call(EtcdRPCs.userDelete, r, timeout: .unlimited)
    }

    public func userChangePassword(_ name: String, password: String) throws(EtcdError) -> Etcdserverpb_AuthUserChangePasswordResponse {
        var r = Etcdserverpb_AuthUserChangePasswordRequest()
        r.name = name
        r.password = password
        return try call(EtcdRPCs.userChangePassword, r, timeout: .unlimited)
    }

    public func userGrantRole(_ user: String, role: String) throws(EtcdError) -> Etcdserverpb_AuthUserGrantRoleResponse {
        var r = Etcdserverpb_AuthUserGrantRoleRequest()
        r.user = user
        r.role = role
        return try call(EtcdRPCs.userGrantRole, r, timeout: .unlimited)
    }

    public func userRevokeRole(_ user: String, role: String) throws(EtcdError) -> Etcdserverpb_AuthUserRevokeRoleResponse {
        var r = Etcdserverpb_AuthUserRevokeRoleRequest()
        r.name = user
        r.role = role
        return try call(EtcdRPCs.userRevokeRole, r, timeout: .unlimited)
    }

    public func roleAdd(_ name: String) throws(EtcdError) -> Etcdserverpb_AuthRoleAddResponse {
        var r = Etcdserverpb_AuthRoleAddRequest()
        r.name = name
        return try call(EtcdRPCs.roleAdd, r, timeout: .unlimited)
    }

    public func roleGet(_ name: String) throws(EtcdError) -> Etcdserverpb_AuthRoleGetResponse {
        var r = Etcdserverpb_AuthRoleGetRequest()
        r.role = name
        return try call(EtcdRPCs.roleGet, r, timeout: .unlimited)
    }

    public func roleList() throws(EtcdError) -> Etcdserverpb_AuthRoleListResponse {
        try call(EtcdRPCs.roleList, Etcdserverpb_AuthRoleListRequest(), timeout: .unlimited)
    }

    public func roleDelete(_ name: String) throws(EtcdError) -> Etcdserverpb_AuthRoleDeleteResponse {
        var r = Etcdserverpb_AuthRoleDeleteRequest()
        r.role = name
        return try call(EtcdRPCs.roleDelete, r, timeout: .unlimited)
    }

    public func roleGrantPermission(_ role: String, key: Data, rangeEnd: Data,
                                    type: Authpb_Permission.TypeEnum) throws(EtcdError) -> Etcdserverpb_AuthRoleGrantPermissionResponse {
        var r = Etcdserverpb_AuthRoleGrantPermissionRequest()
        r.name = role
        r.perm.key = key
        r.perm.rangeEnd = rangeEnd
        r.perm.permType = type
        return try call(EtcdRPCs.roleGrantPermission, r, timeout: .unlimited)
    }

    public func roleRevokePermission(_ role: String, key: Data, rangeEnd: Data) throws(EtcdError) -> Etcdserverpb_AuthRoleRevokePermissionResponse {
        var r = Etcdserverpb_AuthRoleRevokePermissionRequest()
        r.role = role
        r.key = key
        r.rangeEnd = rangeEnd
        return try call(EtcdRPCs.roleRevokePermission, r, timeout: .unlimited)
    }
}
