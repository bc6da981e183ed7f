import EtcdAPI
import GRPC
import KVStore
import SwiftProtobuf

extension Etcdserverpb_AuthEnableResponse: HasResponseHeader {}
extension Etcdserverpb_AuthDisableResponse: HasResponseHeader {}
extension Etcdserverpb_AuthenticateResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserAddResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserGetResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserListResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserDeleteResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserChangePasswordResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserGrantRoleResponse: HasResponseHeader {}
extension Etcdserverpb_AuthUserRevokeRoleResponse: HasResponseHeader {}
extension Etcdserverpb_AuthRoleAddResponse: HasResponseHeader {}
extension Etcdserverpb_AuthRoleGetResponse: HasResponseHeader {}
extension Etcdserverpb_AuthRoleListResponse: HasResponseHeader {}
extension Etcdserverpb_AuthRoleDeleteResponse: HasResponseHeader {}
extension Etcdserverpb_AuthRoleGrantPermissionResponse: HasResponseHeader {}
extension Etcdserverpb_AuthRoleRevokePermissionResponse: HasResponseHeader {}

/// etcdserverpb.Auth: every method goes through Raft (as in etcd 3.4, reads too), and is checked
/// against the caller's roles when the entry is applied.
struct AuthService {
    let member: EtcdMember

    func register(on server: ServiceRegistry) {
        server.unary("/etcdserverpb.Auth/Authenticate", gateway: ["/v3/auth/authenticate"]) { (r: Etcdserverpb_AuthenticateRequest, call: Reply<Etcdserverpb_AuthenticateResponse>) in
            authenticate(r, call)
        }
        route("AuthEnable", "/v3/auth/enable", Etcdserverpb_AuthEnableResponse.self, server) { (r: Etcdserverpb_AuthEnableRequest, req) in req.authEnable = r }
        route("AuthDisable", "/v3/auth/disable", Etcdserverpb_AuthDisableResponse.self, server) { (r: Etcdserverpb_AuthDisableRequest, req) in req.authDisable = r }
        route("UserAdd", "/v3/auth/user/add", Etcdserverpb_AuthUserAddResponse.self, server) { (r: Etcdserverpb_AuthUserAddRequest, req) in req.authUserAdd = r }
        route("UserGet", "/v3/auth/user/get", Etcdserverpb_AuthUserGetResponse.self, server) { (r: Etcdserverpb_AuthUserGetRequest, req) in req.authUserGet = r }
        route("UserList", "/v3/auth/user/list", Etcdserverpb_AuthUserListResponse.self, server) { (r: Etcdserverpb_AuthUserListRequest, req) in req.authUserList = r }
        route("UserDelete", "/v3/auth/user/delete", Etcdserverpb_AuthUserDeleteResponse.self, server) { (r: Etcdserverpb_AuthUserDeleteRequest, req) in req.authUserDelete = r }
        route("UserChangePassword", "/v3/auth/user/changepw", Etcdserverpb_AuthUserChangePasswordResponse.self, server) { (r: Etcdserverpb_AuthUserChangePasswordRequest, req) in req.authUserChangePassword = r }
        route("UserGrantRole", "/v3/auth/user/grant", Etcdserverpb_AuthUserGrantRoleResponse.self, server) { (r: Etcdserverpb_AuthUserGrantRoleRequest, req) in req.authUserGrantRole = r }
        route("UserRevokeRole", "/v3/auth/user/revoke", Etcdserverpb_AuthUserRevokeRoleResponse.self, server) { (r: Etcdserverpb_AuthUserRevokeRoleRequest, req) in req.authUserRevokeRole = r }
        route("RoleAdd", "/v3/auth/role/add", Etcdserverpb_AuthRoleAddResponse.self, server) { (r: Etcdserverpb_AuthRoleAddRequest, req) in req.authRoleAdd = r }
        route("RoleGet", "/v3/auth/role/get", Etcdserverpb_AuthRoleGetResponse.self, server) { (r: Etcdserverpb_AuthRoleGetRequest, req) in req.authRoleGet = r }
        route("RoleList", "/v3/auth/role/list", Etcdserverpb_AuthRoleListResponse.self, server) { (r: Etcdserverpb_AuthRoleListRequest, req) in req.authRoleList = r }
        route("RoleDelete", "/v3/auth/role/delete", Etcdserverpb_AuthRoleDeleteResponse.self, server) { (r: Etcdserverpb_AuthRoleDeleteRequest, req) in req.authRoleDelete = r }
        route("RoleGrantPermission", "/v3/auth/role/grant", Etcdserverpb_AuthRoleGrantPermissionResponse.self, server) { (r: Etcdserverpb_AuthRoleGrantPermissionRequest, req) in req.authRoleGrantPermission = r }
        route("RoleRevokePermission", "/v3/auth/role/revoke", Etcdserverpb_AuthRoleRevokePermissionResponse.self, server) { (r: Etcdserverpb_AuthRoleRevokePermissionRequest, req) in req.authRoleRevokePermission = r }
    }

    /// One method that proposes its request and answers with the applied response.
    private func route<Request: SwiftProtobuf.Message, Response: HasResponseHeader>(
        _ method: String, _ gatewayPath: String, _: Response.Type, _ server: ServiceRegistry,
        _ fill: @escaping (Request, inout Etcdserverpb_InternalRaftRequest) -> Void
    ) {
        server.unary("/etcdserverpb.Auth/\(method)", gateway: [gatewayPath]) { (r: Request, call: Reply<Response>) in
            var request = Etcdserverpb_InternalRaftRequest()
            fill(r, &request)
            member.proposeAndRespond(request, call) { applied in
                guard case .auth(var response as Response) = applied else { return nil }
                // Auth responses carry the store's revision, as etcd's header filler sets it.
                response.header.revision = member.store.currentRevision
                return response
            }
        }
    }

    /// etcd's Authenticate: after a linearizable read, the password is checked here (bcrypt runs
    /// on the threadpool, never on the loop), then the token is minted through Raft so that
    /// every member knows it; the password itself never enters the log.
    private func authenticate(_ r: Etcdserverpb_AuthenticateRequest, _ call: Reply<Etcdserverpb_AuthenticateResponse>) {
        member.linearizableRead(timeoutMilliseconds: call.remainingMilliseconds(now: member.loop.nowMilliseconds)) { result in
            if case .failure(let error) = result { return call.fail(error.status) }
            let stored: (hash: String, revision: UInt64)
            do throws(EtcdError) { stored = try member.store.auth.passwordHash(of: r.name) } catch { return call.fail(error.status) }
            let password = r.password
            member.loop.submitWork({ Bcrypt.verify(password, hash: stored.hash) }, completion: { matches in
                guard matches else { return call.fail(EtcdError.authFailed.status) }
                var request = Etcdserverpb_InternalRaftRequest()
                request.authenticate.name = r.name
                if member.store.auth.tokens.needsPrefix { request.authenticate.simpleToken = EtcdMember.newTokenPrefix() }
                member.proposeAndRespond(request, call) { applied in
                    guard case .auth(var response as Etcdserverpb_AuthenticateResponse) = applied else { return nil }
                    response.header.revision = member.store.currentRevision
                    return response
                }
            })
        }
    }
}
