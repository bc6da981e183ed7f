import EtcdAPI
import KVStore
import TLS

/// Who is asking: the token in a request's metadata, resolved against the auth store.
extension EtcdMember {
    /// gRPC clients send the token as "token"; the JSON gateway as the Authorization header.
    static let tokenMetadataKeys = ["token", "authorization"]

    /// The request's user, nil when it carried no token; a token the store does not know (or
    /// that expired) is refused as etcd does. Without a token, a verified client certificate's
    /// common name is the user (at the auth store's current revision), as in etcd.
    func authInfo(_ metadata: [(String, String)]) throws(EtcdError) -> AuthInfo? {
        for key in Self.tokenMetadataKeys {
            if let token = metadata.first(where: { $0.0 == key })?.1 {
                return try store.auth.info(token: token, now: clock.nowMilliseconds)
            }
        }
        if let commonName = CertificateIdentity.commonName(in: metadata) {
            return AuthInfo(username: commonName, revision: store.auth.revision)
        }
        return nil
    }

    /// For checks made outside Raft: no token is the empty user at revision 0.
    func requestAuthInfo(_ metadata: [(String, String)]) throws(EtcdError) -> AuthInfo {
        try authInfo(metadata) ?? AuthInfo(username: "", revision: 0)
    }

    /// Records the request's user in the entry's header, so every member checks it alike.
    func stampAuth(_ request: inout Etcdserverpb_InternalRaftRequest, _ metadata: [(String, String)]) throws(EtcdError) {
        guard let info = try authInfo(metadata) else { return }
        request.header.username = info.username
        request.header.authRevision = info.revision
    }

    /// Requests the member makes on its own (revoking expired leases) act as root, as etcd's
    /// AuthStore.WithRoot does, so they pass the permission checks when auth is enabled.
    func stampRoot(_ request: inout Etcdserverpb_InternalRaftRequest) {
        guard store.auth.isEnabled else { return }
        request.header.username = "root"
        request.header.authRevision = store.auth.revision
    }

    /// Maintenance calls only the root role may make (etcd's authMaintenanceServer). etcd
    /// returns the auth store's own errors here, unconverted: clients see code Unknown and
    /// "auth: ..." texts.
    func checkAdmin(_ metadata: [(String, String)]) throws(EtcdError) {
        do throws(EtcdError) {
            try store.auth.checkAdmin(try authInfo(metadata))
        } catch {
            throw Self.unconverted(error)
        }
    }

    private static func unconverted(_ error: EtcdError) -> EtcdError {
        let text: String
        switch error {
        case .userEmpty: text = "auth: user name is empty"
        case .userNotFound: text = "auth: user not found"
        case .permissionDenied: text = "auth: permission denied"
        case .invalidAuthToken: text = "auth: invalid auth token"
        default: return error
        }
        return EtcdError(code: 2, message: text)
    }

    static func tokenProvider(_ options: AuthOptions) throws -> any AuthTokenProvider {
        switch options.tokens {
        case .simple: SimpleTokens(ttlSeconds: options.tokenTTLSeconds)
        case .jwtHS256(let key, let ttl): JWTTokens(key: key, ttlSeconds: ttl)
        case .jwtAsymmetric(let method, let privatePEM, let publicPEM, let ttl):
            JWTTokens(key: try JWTKey(method: method, privatePEM: privatePEM, publicPEM: publicPEM), ttlSeconds: ttl)
        }
    }

    /// etcd's simple token prefix: 16 random letters (the Raft index is appended at apply).
    static func newTokenPrefix() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in letters[Int.random(in: 0..<letters.count, using: &generator)] })
    }
}
