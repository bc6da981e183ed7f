import EtcdAPI
import EtcdClient
import Testing

/// `EtcdClientConfig.failFast`: a request to a cluster that refuses connections fails at once
/// with the connect error, instead of redialling until its deadline.
struct FailFastTests {
    static func client(_ endpoints: [String], failFast: Bool, timeoutMilliseconds: UInt64?) throws -> EtcdClient {
        let parsed = try endpoints.map { text throws(EtcdError) in try Endpoint(parsing: text) }
        var config = EtcdClientConfig(endpoints: parsed, dialTimeoutMilliseconds: 500,
                                      requestTimeoutMilliseconds: timeoutMilliseconds)
        config.failFast = failFast
        return try EtcdClient(config: config)
    }

    @Test func failFastReportsTheConnectErrorOfEveryEndpoint() throws {
        let dead = ["127.0.0.1:\(freeLoopbackPort())", "127.0.0.1:\(freeLoopbackPort())"]
        // The deadline only bounds the test: fail-fast must answer long before it.
        let client = try Self.client(dead, failFast: true, timeoutMilliseconds: 20_000)
        defer { client.close() }
        let error = #expect(throws: EtcdError.self) { try client.get(Etcdserverpb_RangeRequest()) }
        #expect(error?.code == .unavailable)
        #expect(error?.neverConnected == true)
        #expect(error?.lastConnectError?.contains("connection refused") == true)
        #expect(error?.description.contains("connection refused") == true)
    }

    @Test func withoutFailFastTheRequestWaitsForItsDeadline() throws {
        let client = try Self.client(["127.0.0.1:\(freeLoopbackPort())"], failFast: false, timeoutMilliseconds: 300)
        defer { client.close() }
        let error = #expect(throws: EtcdError.self) { try client.get(Etcdserverpb_RangeRequest()) }
        #expect(error?.code == .deadlineExceeded)
        #expect(error?.neverConnected == true)
    }
}
