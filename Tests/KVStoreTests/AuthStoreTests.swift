import EtcdAPI
import Foundation
import Testing

@testable import KVStore

/// The auth store as etcd 3.4 behaves: permissions on keys, ranges and prefixes, the root
/// rules, revisions that make older tokens stale, and persistence in the backend.
@Suite struct AuthStoreTests {
    /// Applies an auth request as `user` (at `revision`, default: the current one).
    @discardableResult
    func apply(_ s: TestStore, as user: String = "", revision: UInt64? = nil,
               _ fill: (inout Etcdserverpb_InternalRaftRequest) -> Void) -> ApplyResult {
        var r = Etcdserverpb_InternalRaftRequest()
        r.header.username = user
        r.header.authRevision = user.isEmpty ? 0 : (revision ?? s.store.auth.revision)
        fill(&r)
        return s.apply(r)
    }

    func error(_ result: ApplyResult) -> EtcdError? {
        if case .failure(let e) = result { return e }
        return nil
    }

    func permission(_ key: String, _ end: String, _ type: Authpb_Permission.TypeEnum) -> Authpb_Permission {
        var p = Authpb_Permission()
        p.key = Data(key.utf8)
        p.rangeEnd = Data(end.utf8)
        p.permType = type
        return p
    }

    /// root (root role), alice reading "foo" and the "pre/" prefix, bob writing [a, n).
    func setUp() throws -> TestStore {
        let s = try TestStore()
        Bcrypt.minCostForTests(s.store.auth)
        for (name, password) in [("root", "r"), ("alice", "a"), ("bob", "b")] {
            apply(s) { $0.authUserAdd.name = name; $0.authUserAdd.password = password }
        }
        apply(s) { $0.authRoleAdd.name = "reader" }
        apply(s) { $0.authRoleAdd.name = "writer" }
        apply(s) { $0.authRoleGrantPermission.name = "reader"; $0.authRoleGrantPermission.perm = permission("foo", "", .read) }
        apply(s) { $0.authRoleGrantPermission.name = "reader"; $0.authRoleGrantPermission.perm = permission("pre/", "pre0", .read) }
        apply(s) { $0.authRoleGrantPermission.name = "writer"; $0.authRoleGrantPermission.perm = permission("a", "n", .readwrite) }
        apply(s) { $0.authUserGrantRole.user = "root"; $0.authUserGrantRole.role = "root" }
        apply(s) { $0.authUserGrantRole.user = "alice"; $0.authUserGrantRole.role = "reader" }
        apply(s) { $0.authUserGrantRole.user = "bob"; $0.authUserGrantRole.role = "writer" }
        #expect(error(apply(s) { $0.authEnable = .init() }) == nil)
        return s
    }

    @Test func enableNeedsRootUserWithRootRole() throws {
        let s = try TestStore()
        Bcrypt.minCostForTests(s.store.auth)
        #expect(error(apply(s) { $0.authEnable = .init() }) == .rootUserNotExist)
        apply(s) { $0.authUserAdd.name = "root"; $0.authUserAdd.password = "r" }
        #expect(error(apply(s) { $0.authEnable = .init() }) == .rootRoleNotExist)
        apply(s) { $0.authUserGrantRole.user = "root"; $0.authUserGrantRole.role = "root" }
        #expect(error(apply(s) { $0.authEnable = .init() }) == nil)
        #expect(s.store.auth.isEnabled)
    }

    @Test func keyRangeAndPrefixPermissions() throws {
        let s = try setUp()
        let rev = s.store.auth.revision
        let alice = AuthInfo(username: "alice", revision: rev), bob = AuthInfo(username: "bob", revision: rev)
        let auth = s.store.auth
        func allowed(_ info: AuthInfo, _ type: Authpb_Permission.TypeEnum, _ key: String, _ end: String = "") -> Bool {
            (try? auth.checkKeyAccess(info, type, key: Data(key.utf8), rangeEnd: Data(end.utf8))) != nil
        }
        #expect(allowed(alice, .read, "foo") && !allowed(alice, .write, "foo") && !allowed(alice, .read, "foo0"))
        #expect(allowed(alice, .read, "pre/x") && allowed(alice, .read, "pre/", "pre0") && allowed(alice, .read, "pre/a", "pre/b"))
        #expect(!allowed(alice, .read, "pre", "pre0") && !allowed(alice, .read, "pre/", "pre1"))
        #expect(allowed(bob, .write, "a") && allowed(bob, .write, "m") && !allowed(bob, .write, "n"))
        #expect(allowed(bob, .read, "a", "n") && !allowed(bob, .read, "a", "o") && !allowed(bob, .read, "a", "\0"))
        #expect(allowed(AuthInfo(username: "root", revision: rev), .write, "anything", "\0"))
        #expect(throws: EtcdError.userEmpty) { try auth.checkKeyAccess(AuthInfo(username: "", revision: 0), .read, key: Data("foo".utf8)) }
    }

    @Test func appliedRequestsAreCheckedAgainstTheirUser() throws {
        let s = try setUp()
        #expect(error(apply(s, as: "alice") { $0.put.key = Data("foo".utf8) }) == .permissionDenied)
        #expect(error(apply(s, as: "bob") { $0.put.key = Data("b".utf8) }) == nil)
        #expect(error(apply(s) { $0.put.key = Data("b".utf8) }) == .userEmpty)
        #expect(error(apply(s, as: "bob") { $0.deleteRange.key = Data("a".utf8); $0.deleteRange.rangeEnd = Data("z".utf8) }) == .permissionDenied)
        // Every compare and op of a txn, nested ones included.
        var nested = Etcdserverpb_TxnRequest()
        nested.success = [putOp("zz", "x")]
        var op = Etcdserverpb_RequestOp()
        op.requestTxn = nested
        #expect(error(apply(s, as: "bob") { $0.txn.success = [putOp("b", "1"), op] }) == .permissionDenied)
        #expect(error(apply(s, as: "bob") { $0.txn.success = [putOp("b", "1")] }) == nil)
        // Management needs the root role; a user may read itself and its roles.
        #expect(error(apply(s, as: "alice") { $0.authRoleAdd.name = "x" }) == .permissionDenied)
        #expect(error(apply(s, as: "alice") { $0.authUserGet.name = "alice" }) == nil)
        #expect(error(apply(s, as: "alice") { $0.authUserGet.name = "bob" }) == .permissionDenied)
        #expect(error(apply(s, as: "alice") { $0.authRoleGet.role = "reader" }) == nil)
        #expect(error(apply(s, as: "ghost") { $0.authUserList = .init() }) == .userNotFound)
        #expect(error(apply(s, as: "root") { $0.authUserDelete.name = "root" }) == .invalidAuthMgmt)
        #expect(error(apply(s, as: "root") { $0.authUserRevokeRole.name = "root"; $0.authUserRevokeRole.role = "root" }) == .invalidAuthMgmt)
    }

    @Test func changesMakeOlderTokensStale() throws {
        let s = try setUp()
        let old = s.store.auth.revision
        apply(s, as: "root") { $0.authRoleAdd.name = "another" }
        #expect(s.store.auth.revision == old + 1)
        #expect(error(apply(s, as: "bob", revision: old) { $0.put.key = Data("b".utf8) }) == .authOldRevision)
        #expect(error(apply(s, as: "bob") { $0.put.key = Data("b".utf8) }) == nil)
    }

    @Test func tokensExpireAndDieWithTheirUser() throws {
        let s = try setUp()
        s.store.auth.tokens = SimpleTokens(ttlSeconds: 1)
        guard case .auth(let response as Etcdserverpb_AuthenticateResponse) = apply(s, { r in
            r.authenticate.name = "alice"
            r.authenticate.simpleToken = "prefix"
        }) else { Issue.record("no token"); return }
        #expect(try s.store.auth.info(token: response.token, now: s.now + 500).username == "alice")
        #expect(throws: EtcdError.invalidAuthToken) { try s.store.auth.info(token: response.token, now: s.now + 5000) }
        #expect(throws: EtcdError.invalidAuthToken) { try s.store.auth.info(token: "forged.1", now: s.now) }
        guard case .auth(let second as Etcdserverpb_AuthenticateResponse) = apply(s, { r in
            r.authenticate.name = "alice"
            r.authenticate.simpleToken = "other"
        }) else { Issue.record("no token"); return }
        apply(s, as: "root") { $0.authUserDelete.name = "alice" }
        #expect(throws: EtcdError.invalidAuthToken) { try s.store.auth.info(token: second.token, now: s.now) }
    }

    @Test func everythingSurvivesReopening() throws {
        let s = try setUp()
        let revision = s.store.auth.revision
        try s.store.commitBatch()
        try s.reopen()
        #expect(s.store.auth.isEnabled && s.store.auth.revision == revision)
        #expect(s.store.auth.userNames == ["alice", "bob", "root"] && s.store.auth.roleNames == ["reader", "writer"])
        #expect(s.store.auth.role("reader")?.keyPermission.count == 2)
        let hash = try s.store.auth.passwordHash(of: "alice").hash
        #expect(Bcrypt.verify("a", hash: hash) && !Bcrypt.verify("b", hash: hash))
        #expect(error(apply(s, as: "alice") { $0.put.key = Data("foo".utf8) }) == .permissionDenied)
    }

    @Test func bcryptHashesAreSaltedAndVerifiable() {
        let a = Bcrypt.hash("secret", cost: 4), b = Bcrypt.hash("secret", cost: 4)
        #expect(a != nil && a != b && a!.hasPrefix("$2b$04$"))
        #expect(Bcrypt.verify("secret", hash: a!) && !Bcrypt.verify("Secret", hash: a!) && !Bcrypt.verify("secret", hash: "garbage"))
    }
}

extension Bcrypt {
    /// Cheapest hashes: the tests check behaviour, not hashing strength.
    static func minCostForTests(_ auth: AuthStore) { auth.bcryptCost = minCost }
}
