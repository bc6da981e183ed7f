import EtcdAPI
import EtcdClient
import Foundation
import Glibc
import Synchronization
import Testing

/// The client library against a live server (Keel's etcd, or the real one when Keel's is not
/// built): requests, typed errors, failover, deadlines, watch resume and lease keepalive.
@Suite(.serialized, .enabled(if: Binaries.exists(Binaries.realEtcdctl)
                               && (Binaries.exists(Binaries.keelEtcd) || Binaries.exists(Binaries.realEtcd))))
struct EtcdClientTests {
    static var serverBinary: String { Binaries.exists(Binaries.keelEtcd) ? Binaries.keelEtcd : Binaries.realEtcd }

    static func client(_ endpoints: [String], timeoutMilliseconds: UInt64 = 3000) throws -> EtcdClient {
        let parsed = try endpoints.map { text throws(EtcdError) in try Endpoint(parsing: text) }
        return try EtcdClient(config: EtcdClientConfig(endpoints: parsed, dialTimeoutMilliseconds: 500,
                                                       requestTimeoutMilliseconds: timeoutMilliseconds))
    }

    static func put(_ key: String, _ value: String) -> Etcdserverpb_PutRequest {
        var request = Etcdserverpb_PutRequest()
        request.key = Data(key.utf8)
        request.value = Data(value.utf8)
        return request
    }

    static func get(_ key: String) -> Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(key.utf8)
        return request
    }

    /// Polls `condition` every 20 ms, at most `attempts` times.
    static func eventually(attempts: Int = 250, _ condition: () -> Bool) -> Bool {
        for _ in 0..<attempts {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func putGetTxnAndTypedErrors() throws {
        let server = TestServer(binary: Self.serverBinary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let client = try Self.client([server.endpoint])
        defer { client.close() }

        let put = try client.put(Self.put("k", "v1"))
        #expect(put.header.revision == 2)
        let got = try client.get(Self.get("k"))
        #expect(got.kvs.map { String(decoding: $0.value, as: UTF8.self) } == ["v1"])

        // Optimistic concurrency: succeed only if k was not modified since we read it.
        var compare = Etcdserverpb_Compare()
        compare.key = Data("k".utf8)
        compare.target = .mod
        compare.result = .equal
        compare.modRevision = got.kvs[0].modRevision
        var op = Etcdserverpb_RequestOp()
        op.requestPut = Self.put("k", "v2")
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [compare]
        txn.success = [op]
        #expect(try client.txn(txn).succeeded)
        #expect(try client.txn(txn).succeeded == false)  // the mod revision moved on

        #expect(throws: EtcdError(code: .invalidArgument, message: "etcdserver: key is not provided")) {
            try client.put(Self.put("", "x"))
        }
        #expect(throws: EtcdError(code: .outOfRange, message: "etcdserver: mvcc: required revision is a future revision")) {
            var future = Self.get("k")
            future.revision = 1000
            return try client.get(future)
        }
    }

    @Test func failsOverToTheNextEndpointAndTimesOutWhenNoneAnswers() throws {
        let server = TestServer(binary: Self.serverBinary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let dead = "127.0.0.1:\(freeLoopbackPort())"
        let client = try Self.client([dead, server.endpoint])
        defer { client.close() }
        #expect(try client.put(Self.put("a", "b")).header.revision == 2)

        let unreachable = try Self.client([dead], timeoutMilliseconds: 300)
        defer { unreachable.close() }
        let error = #expect(throws: EtcdError.self) { try unreachable.get(Self.get("a")) }
        #expect(error?.code == .deadlineExceeded && error?.neverConnected == true)
        #expect(error?.description == "context deadline exceeded")
    }

    /// A watch survives a server restart: it resumes after the last delivered revision, so
    /// every change is seen exactly once.
    @Test func watchResumesAfterTheServerRestarts() throws {
        let server = TestServer(binary: Self.serverBinary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let client = try Self.client([server.endpoint])
        defer { client.close() }

        let seen = Mutex<[String]>([])
        let resumes = Mutex(0)
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = Data("w/".utf8)
        request.rangeEnd = Data("w0".utf8)
        let created = Mutex(false)
        let create = request
        client.withConnection { connection in
            let watcher = connection.watch(create)
            watcher.onResponse = { response in
                if response.created { created.withLock { $0 = true } }
                seen.withLock { $0 += response.events.map { String(decoding: $0.kv.value, as: UTF8.self) } }
                resumes.withLock { $0 = watcher.resumeCount }
            }
        }
        #expect(Self.eventually { created.withLock { $0 } })
        _ = try client.put(Self.put("w/1", "one"))
        #expect(Self.eventually { seen.withLock { $0 } == ["one"] })

        server.stop()
        try server.start(fresh: false)
        _ = try client.put(Self.put("w/2", "two"))
        _ = try client.put(Self.put("w/3", "three"))
        #expect(Self.eventually { seen.withLock { $0 } == ["one", "two", "three"] })
        #expect(resumes.withLock { $0 } >= 1)
    }

    @Test func keepAliveRenewsALease() throws {
        let server = TestServer(binary: Self.serverBinary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let client = try Self.client([server.endpoint])
        defer { client.close() }
        let lease = try client.leaseGrant(ttlSeconds: 5)
        let once = try client.leaseKeepAliveOnce(id: lease.id)
        #expect(once.id == lease.id && once.ttl == 5)

        let renewals = Mutex(0)
        client.withConnection { connection in
            let keeper = connection.keepAlive(leaseID: lease.id)
            keeper.onResponse = { response in if response.ttl > 0 { renewals.withLock { $0 += 1 } } }
        }
        #expect(Self.eventually { renewals.withLock { $0 } >= 1 })
        _ = try client.leaseRevoke(id: lease.id)
        #expect(try client.leaseKeepAliveOnce(id: lease.id).ttl == 0)
    }
}
