import EtcdAPI
import EtcdClient
import Foundation
import Testing

/// The client library with credentials: it authenticates before its first call, sends the
/// token, and when the server calls the token stale (the auth store changed) it gets a new one
/// and retries once, as clientv3 does.
@Suite(.serialized) struct EtcdClientAuthTests {
    typealias C = EtcdClientTests

    static func client(_ endpoint: String, user: String? = nil, password: String = "") throws -> EtcdClient {
        var config = EtcdClientConfig(endpoints: [try Endpoint(parsing: endpoint)], dialTimeoutMilliseconds: 500,
                                      requestTimeoutMilliseconds: 5000)
        config.username = user
        config.password = password
        return try EtcdClient(config: config)
    }

    @Test func authenticatesAndRefreshesAStaleToken() throws {
        let server = TestServer(binary: C.serverBinary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let admin = try Self.client(server.endpoint)
        defer { admin.close() }
        _ = try admin.userAdd("root", password: "rootpw")
        _ = try admin.userGrantRole("root", role: "root")
        _ = try admin.userAdd("bob", password: "bobpw")
        _ = try admin.roleAdd("writer")
        _ = try admin.roleGrantPermission("writer", key: Data("a".utf8), rangeEnd: Data("n".utf8), type: .readwrite)
        _ = try admin.userGrantRole("bob", role: "writer")
        _ = try admin.authEnable()

        let bob = try Self.client(server.endpoint, user: "bob", password: "bobpw")
        defer { bob.close() }
        #expect(try bob.put(C.put("b", "1")).header.revision > 1)
        #expect(throws: EtcdError.self) { try bob.put(C.put("x", "1")) }  // outside [a, n)

        // The auth store changes: bob's token is now older than the store's revision.
        let root = try Self.client(server.endpoint, user: "root", password: "rootpw")
        defer { root.close() }
        _ = try root.roleAdd("another")
        #expect(try bob.put(C.put("c", "2")).header.revision > 1)
        #expect(try bob.get(C.get("c")).kvs.map { String(decoding: $0.value, as: UTF8.self) } == ["2"])

        // The member revokes expired leases as root: keys still go away with auth enabled.
        let lease = try root.leaseGrant(ttlSeconds: 2)
        var leased = C.put("lk", "v")
        leased.lease = lease.id
        _ = try root.put(leased)
        #expect(C.eventually(attempts: 500) { ((try? root.get(C.get("lk")))?.kvs.count ?? 1) == 0 })

        // Without credentials, and with a wrong password.
        #expect(throws: EtcdError.self) { try admin.put(C.put("b", "3")) }
        let wrong = try Self.client(server.endpoint, user: "bob", password: "nope")
        defer { wrong.close() }
        do {
            try wrong.authenticate()
            Issue.record("a wrong password authenticated")
        } catch {
            #expect(error.message == "etcdserver: authentication failed, invalid user ID or password")
        }
    }
}
