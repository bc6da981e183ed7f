import EtcdAPI
import Foundation

/// etcd's authApplierV3: every committed entry is checked against the permissions of the user
/// in its header (at the auth revision of that user's token) before it is applied, so all
/// members decide alike; auth requests themselves are applied here.
extension KVStore {
    /// Why the entry's user may not apply it, or nil.
    func authRefusal(_ r: Etcdserverpb_InternalRaftRequest) -> EtcdError? {
        guard auth.isEnabled else { return nil }
        let info = AuthInfo(username: r.header.username, revision: r.header.authRevision)
        do throws(EtcdError) {
            if Self.needsAdmin(r) { try auth.checkAdmin(info) }
            if r.hasPut { try checkPut(r.put, info) }
            if r.hasRange { try auth.checkKeyAccess(info, .read, key: r.range.key, rangeEnd: r.range.rangeEnd) }
            if r.hasDeleteRange { try checkDelete(r.deleteRange, info) }
            if r.hasTxn { try checkTxn(r.txn, info) }
            if r.hasLeaseRevoke { try checkLeaseKeys(LeaseID(r.leaseRevoke.id), info) }
            if r.hasAuthUserGet, r.authUserGet.name != info.username { try auth.checkAdmin(info) }
            if r.hasAuthRoleGet, !auth.hasRole(user: info.username, role: r.authRoleGet.role) { try auth.checkAdmin(info) }
        } catch {
            return error
        }
        return nil
    }

    /// Requests only the root role may make (etcd's needAdminPermission).
    static func needsAdmin(_ r: Etcdserverpb_InternalRaftRequest) -> Bool {
        r.hasAuthEnable || r.hasAuthDisable || r.hasAuthUserAdd || r.hasAuthUserDelete || r.hasAuthUserChangePassword
            || r.hasAuthUserGrantRole || r.hasAuthUserRevokeRole || r.hasAuthRoleAdd || r.hasAuthRoleGrantPermission
            || r.hasAuthRoleRevokePermission || r.hasAuthRoleDelete || r.hasAuthUserList || r.hasAuthRoleList
    }

    /// The checks a read served without Raft needs (etcd's doSerialize for Range and Txn).
    public func checkRead(_ r: Etcdserverpb_RangeRequest, _ info: AuthInfo) throws(EtcdError) {
        try auth.checkKeyAccess(info, .read, key: r.key, rangeEnd: r.rangeEnd)
    }

    public func checkTxn(_ t: Etcdserverpb_TxnRequest, _ info: AuthInfo) throws(EtcdError) {
        for compare in t.compare { try auth.checkKeyAccess(info, .read, key: compare.key, rangeEnd: compare.rangeEnd) }
        for op in t.success + t.failure {
            switch op.request {
            case .requestRange(let range)?: try auth.checkKeyAccess(info, .read, key: range.key, rangeEnd: range.rangeEnd)
            case .requestPut(let put)?: try auth.checkKeyAccess(info, .write, key: put.key)
            case .requestDeleteRange(let delete)?:
                if delete.prevKv { try auth.checkKeyAccess(info, .read, key: delete.key, rangeEnd: delete.rangeEnd) }
                try auth.checkKeyAccess(info, .write, key: delete.key, rangeEnd: delete.rangeEnd)
            // etcd 3.4 does not look into nested txns; checking them keeps them from being a
            // way around the permissions.
            case .requestTxn(let nested)?: try checkTxn(nested, info)
            case nil: break
            }
        }
    }

    private func checkPut(_ p: Etcdserverpb_PutRequest, _ info: AuthInfo) throws(EtcdError) {
        try auth.checkKeyAccess(info, .write, key: p.key)
        // A lease already holding keys this user cannot write could not be revoked by it.
        try checkLeaseKeys(LeaseID(p.lease), info)
        if p.prevKv { try auth.checkKeyAccess(info, .read, key: p.key) }
    }

    private func checkDelete(_ d: Etcdserverpb_DeleteRangeRequest, _ info: AuthInfo) throws(EtcdError) {
        try auth.checkKeyAccess(info, .write, key: d.key, rangeEnd: d.rangeEnd)
        if d.prevKv { try auth.checkKeyAccess(info, .read, key: d.key, rangeEnd: d.rangeEnd) }
    }

    private func checkLeaseKeys(_ id: LeaseID, _ info: AuthInfo) throws(EtcdError) {
        guard id != .none, lessor.exists(id) else { return }
        for key in lessor.attachedKeys(id) { try auth.checkKeyAccess(info, .write, key: key) }
    }

    /// Applies an auth request; nil when `r` is not one.
    func applyAuth(_ r: Etcdserverpb_InternalRaftRequest, index: UInt64, now: UInt64) -> ApplyResult? {
        do throws(EtcdError) {
            guard let response = try authResponse(r, index: index, now: now) else { return nil }
            return .auth(response)
        } catch {
            return .failure(error)
        }
    }

    private func authResponse(_ r: Etcdserverpb_InternalRaftRequest, index: UInt64, now: UInt64) throws(EtcdError) -> (any Sendable)? {
        switch true {
        case r.hasAuthEnable:
            try auth.enable()
            return Etcdserverpb_AuthEnableResponse()
        case r.hasAuthDisable:
            auth.disable()
            return Etcdserverpb_AuthDisableResponse()
        case r.hasAuthenticate:
            var response = Etcdserverpb_AuthenticateResponse()
            response.token = try auth.authenticate(name: r.authenticate.name, tokenPrefix: r.authenticate.simpleToken,
                                                   index: index, now: now)
            return response
        case r.hasAuthUserAdd:
            try auth.addUser(r.authUserAdd)
            return Etcdserverpb_AuthUserAddResponse()
        case r.hasAuthUserDelete:
            try auth.deleteUser(r.authUserDelete.name)
            return Etcdserverpb_AuthUserDeleteResponse()
        case r.hasAuthUserChangePassword:
            try auth.changePassword(r.authUserChangePassword.name, r.authUserChangePassword.password)
            return Etcdserverpb_AuthUserChangePasswordResponse()
        case r.hasAuthUserGrantRole:
            try auth.grantRole(user: r.authUserGrantRole.user, role: r.authUserGrantRole.role)
            return Etcdserverpb_AuthUserGrantRoleResponse()
        case r.hasAuthUserRevokeRole:
            try auth.revokeRole(user: r.authUserRevokeRole.name, role: r.authUserRevokeRole.role)
            return Etcdserverpb_AuthUserRevokeRoleResponse()
        case r.hasAuthUserGet:
            guard let user = auth.user(r.authUserGet.name) else { throw .userNotFound }
            var response = Etcdserverpb_AuthUserGetResponse()
            response.roles = user.roles
            return response
        case r.hasAuthUserList:
            var response = Etcdserverpb_AuthUserListResponse()
            response.users = auth.userNames
            return response
        case r.hasAuthRoleAdd:
            try auth.addRole(r.authRoleAdd.name)
            return Etcdserverpb_AuthRoleAddResponse()
        case r.hasAuthRoleDelete:
            try auth.deleteRole(r.authRoleDelete.role)
            return Etcdserverpb_AuthRoleDeleteResponse()
        case r.hasAuthRoleGet:
            guard let role = auth.role(r.authRoleGet.role) else { throw .roleNotFound }
            var response = Etcdserverpb_AuthRoleGetResponse()
            response.perm = role.keyPermission
            return response
        case r.hasAuthRoleList:
            var response = Etcdserverpb_AuthRoleListResponse()
            response.roles = auth.roleNames
            return response
        case r.hasAuthRoleGrantPermission:
            try auth.grantPermission(role: r.authRoleGrantPermission.name, r.authRoleGrantPermission.perm)
            return Etcdserverpb_AuthRoleGrantPermissionResponse()
        case r.hasAuthRoleRevokePermission:
            let revoke = r.authRoleRevokePermission
            try auth.revokePermission(role: revoke.role, key: revoke.key, rangeEnd: revoke.rangeEnd)
            return Etcdserverpb_AuthRoleRevokePermissionResponse()
        default:
            return nil
        }
    }
}
