import EtcdAPI
import Foundation

/// etcd 3.4's auth store: users (bcrypt password hashes, granted roles), roles (key
/// permissions), the enabled flag and the auth revision, persisted in the "auth", "authUsers" and
/// "authRoles" tables of the backend (so they ride in snapshots) and changed only by applying
/// committed entries. Every change bumps the revision; a token minted at an older revision is
/// refused for key access ("revision of auth store is old").
public final class AuthStore {
    static let rootUser = "root"
    static let rootRole = "root"
    enum Key {
        static let enabled = Data("authEnabled".utf8)
        static let revision = Data("authRevision".utf8)
    }

    private let backend: LMDBBackend
    public private(set) var isEnabled = false
    public private(set) var revision: UInt64 = 0
    /// Cost of new password hashes (etcd's --bcrypt-cost).
    public var bcryptCost: Int = Bcrypt.defaultCost {
        didSet { if !(Bcrypt.minCost...Bcrypt.maxCost).contains(bcryptCost) { bcryptCost = Bcrypt.defaultCost } }
    }
    /// Tokens issued by Authenticate; replaced by the server (TTL, or JWT).
    public var tokens: any AuthTokenProvider = SimpleTokens(ttlSeconds: 300)
    private var users: [String: Authpb_User] = [:]
    private var roles: [String: Authpb_Role] = [:]
    private var permissions: [String: KeyPermissions] = [:]

    init(backend: LMDBBackend) {
        self.backend = backend
        restore()
    }

    /// Reloads everything from the backend (at start and after the data file was replaced).
    func restore() {
        users = [:]
        roles = [:]
        isEnabled = backend.get(.auth, Key.enabled) == Data([1])
        revision = backend.get(.auth, Key.revision).flatMap { BigEndianBytes.decode($0) } ?? 0
        backend.scan(.authUsers, from: nil) { _, value in
            if let user = try? Authpb_User(serializedBytes: Data(value)) { users[String(decoding: user.name, as: UTF8.self)] = user }
            return true
        }
        backend.scan(.authRoles, from: nil) { _, value in
            if let role = try? Authpb_Role(serializedBytes: Data(value)) { roles[String(decoding: role.name, as: UTF8.self)] = role }
            return true
        }
        // etcd starts a new store at revision 1.
        if revision == 0 { bumpRevision() }
        refreshPermissions()
    }

    // MARK: - Reading

    func user(_ name: String) -> Authpb_User? { users[name] }
    func role(_ name: String) -> Authpb_Role? { roles[name] }

    /// Names in byte order, as etcd lists its buckets.
    var userNames: [String] { users.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
    var roleNames: [String] { roles.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    public func hasRole(user: String, role: String) -> Bool { users[user]?.roles.contains(role) ?? false }

    static func hasRootRole(_ user: Authpb_User) -> Bool { user.roles.contains(rootRole) }

    // MARK: - Checks

    /// etcd's isOpPermitted: key access for the request's user at the request's auth revision.
    public func checkKeyAccess(_ info: AuthInfo, _ type: Authpb_Permission.TypeEnum, key: Data, rangeEnd: Data = Data()) throws(EtcdError) {
        guard isEnabled else { return }
        guard info.revision != 0 else { throw .userEmpty }
        guard info.revision >= revision else { throw .authOldRevision }
        guard let user = users[info.username] else { throw .permissionDenied }
        if Self.hasRootRole(user) { return }
        guard permissions[info.username]?.allows(type, key: key, rangeEnd: rangeEnd) ?? false else { throw .permissionDenied }
    }

    /// etcd's IsAdminPermitted: the root role (the auth revision is not checked here).
    public func checkAdmin(_ info: AuthInfo?) throws(EtcdError) {
        guard isEnabled else { return }
        guard let info, !info.username.isEmpty else { throw .userEmpty }
        guard let user = users[info.username] else { throw .userNotFound }
        guard Self.hasRootRole(user) else { throw .permissionDenied }
    }

    /// The hash to verify a password against, and the revision it was read at (etcd's
    /// CheckPassword before bcrypt runs).
    public func passwordHash(of name: String) throws(EtcdError) -> (hash: String, revision: UInt64) {
        guard isEnabled else { throw .authNotEnabled }
        guard let user = users[name] else { throw .authFailed }
        if user.hasOptions && user.options.noPassword { throw .noPasswordUser }
        return (String(decoding: user.password, as: UTF8.self), revision)
    }

    /// Resolves a token from a request's metadata (nil when the request carried none).
    public func info(token: String, now: UInt64) throws(EtcdError) -> AuthInfo {
        guard isEnabled, let info = tokens.info(token, now: now) else { throw .invalidAuthToken }
        return info
    }

    // MARK: - Changes (applied entries only)

    func enable() throws(EtcdError) {
        if isEnabled { return }
        guard let root = users[Self.rootUser] else { throw .rootUserNotExist }
        guard Self.hasRootRole(root) else { throw .rootRoleNotExist }
        backend.put(.auth, Key.enabled, Data([1]))
        isEnabled = true
    }

    func disable() {
        guard isEnabled else { return }
        backend.put(.auth, Key.enabled, Data([0]))
        bumpRevision()
        isEnabled = false
        tokens.removeAll()
    }

    func authenticate(name: String, tokenPrefix: String, index: UInt64, now: UInt64) throws(EtcdError) -> String {
        guard isEnabled else { throw .authNotEnabled }
        guard let user = users[name], !(user.hasOptions && user.options.noPassword) else { throw .authFailed }
        return try tokens.assign(prefix: tokenPrefix, index: index, info: AuthInfo(username: name, revision: revision), now: now)
    }

    func addUser(_ r: Etcdserverpb_AuthUserAddRequest) throws(EtcdError) {
        guard !r.name.isEmpty else { throw .userEmpty }
        let noPassword = r.hasOptions && r.options.noPassword
        guard users[r.name] == nil else { throw .userAlreadyExist }
        var user = Authpb_User()
        user.name = Data(r.name.utf8)
        if !noPassword { user.password = try hash(r.password) }
        user.options = r.hasOptions ? r.options : Authpb_UserAddOptions()
        save(user)
    }

    func deleteUser(_ name: String) throws(EtcdError) {
        if isEnabled && name == Self.rootUser { throw .invalidAuthMgmt }
        guard users[name] != nil else { throw .userNotFound }
        users[name] = nil
        backend.delete(.authUsers, Data(name.utf8))
        changed()
        tokens.invalidate(user: name)
    }

    func changePassword(_ name: String, _ password: String) throws(EtcdError) {
        let hashed = try hash(password)
        guard var user = users[name] else { throw .userNotFound }
        user.password = hashed
        save(user)
        tokens.invalidate(user: name)
    }

    func grantRole(user name: String, role: String) throws(EtcdError) {
        guard var user = users[name] else { throw .userNotFound }
        if role != Self.rootRole && roles[role] == nil { throw .roleNotFound }
        if user.roles.contains(role) { return }  // etcd ignores a duplicate grant
        user.roles.append(role)
        user.roles.sort()
        save(user)
    }

    func revokeRole(user name: String, role: String) throws(EtcdError) {
        if isEnabled && name == Self.rootUser && role == Self.rootRole { throw .invalidAuthMgmt }
        guard var user = users[name] else { throw .userNotFound }
        guard user.roles.contains(role) else { throw .roleNotGranted }
        user.roles.removeAll { $0 == role }
        save(user)
    }

    func addRole(_ name: String) throws(EtcdError) {
        guard !name.isEmpty else { throw .roleEmpty }
        guard roles[name] == nil else { throw .roleAlreadyExist }
        var role = Authpb_Role()
        role.name = Data(name.utf8)
        save(role)
    }

    func deleteRole(_ name: String) throws(EtcdError) {
        if isEnabled && name == Self.rootRole { throw .invalidAuthMgmt }
        guard roles[name] != nil else { throw .roleNotFound }
        roles[name] = nil
        backend.delete(.authRoles, Data(name.utf8))
        for var user in users.values where user.roles.contains(name) {
            user.roles.removeAll { $0 == name }
            persist(user)
        }
        changed()
    }

    func grantPermission(role name: String, _ perm: Authpb_Permission) throws(EtcdError) {
        guard var role = roles[name] else { throw .roleNotFound }
        if let i = role.keyPermission.firstIndex(where: { $0.key == perm.key && $0.rangeEnd == perm.rangeEnd }) {
            role.keyPermission[i].permType = perm.permType
        } else {
            var added = Authpb_Permission()
            added.key = perm.key
            added.rangeEnd = perm.rangeEnd
            added.permType = perm.permType
            role.keyPermission.append(added)
            // Stable by key, as etcd's sort of the appended list leaves equal keys in order.
            role.keyPermission = role.keyPermission.enumerated().sorted { a, b in
                a.element.key == b.element.key ? a.offset < b.offset : a.element.key.lexicographicallyPrecedes(b.element.key)
            }.map(\.element)
        }
        save(role)
    }

    func revokePermission(role name: String, key: Data, rangeEnd: Data) throws(EtcdError) {
        guard var role = roles[name] else { throw .roleNotFound }
        let before = role.keyPermission.count
        role.keyPermission.removeAll { $0.key == key && $0.rangeEnd == rangeEnd }
        guard role.keyPermission.count != before else { throw .permissionNotGranted }
        save(role)
    }

    // MARK: - Persistence

    private func hash(_ password: String) throws(EtcdError) -> Data {
        guard let hashed = Bcrypt.hash(password, cost: bcryptCost) else {
            throw EtcdError(code: EtcdError.Code.internal, message: "etcdserver: failed to hash the password")
        }
        return Data(hashed.utf8)
    }

    private func save(_ user: Authpb_User) {
        persist(user)
        changed()
    }

    private func persist(_ user: Authpb_User) {
        users[String(decoding: user.name, as: UTF8.self)] = user
        // Encoding a message built here cannot fail.
        backend.put(.authUsers, user.name, (try? user.serializedData()) ?? Data())
    }

    private func save(_ role: Authpb_Role) {
        roles[String(decoding: role.name, as: UTF8.self)] = role
        backend.put(.authRoles, role.name, (try? role.serializedData()) ?? Data())
        changed()
    }

    private func changed() {
        bumpRevision()
        refreshPermissions()
    }

    private func bumpRevision() {
        revision += 1
        backend.put(.auth, Key.revision, BigEndianBytes.encode(revision))
    }

    private func refreshPermissions() {
        permissions = users.mapValues { user in KeyPermissions(roles: user.roles.compactMap { roles[$0] }) }
    }
}
