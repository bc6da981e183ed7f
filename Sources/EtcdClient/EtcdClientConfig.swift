import TLS

/// How a client reaches the cluster.
public struct EtcdClientConfig: Sendable {
    public var endpoints: [Endpoint]
    /// Bound on one TCP connect attempt to one endpoint.
    public var dialTimeoutMilliseconds: UInt64
    /// Default deadline for a unary request (nil: no deadline).
    public var requestTimeoutMilliseconds: UInt64?
    /// Pause after every endpoint failed once, before trying the list again.
    public var reconnectBackoffMilliseconds: UInt64
    /// TLS for endpoints without a scheme and for https endpoints (nil: https endpoints are
    /// checked against the system's trusted roots, others are plain).
    public var tls: TLSClientOptions?
    /// etcd user to authenticate as (nil: no authentication); the token is attached to every
    /// call and refreshed once when the server calls it invalid or stale.
    public var username: String? = nil
    public var password = ""
    /// Fail the requests waiting for a connection as soon as every endpoint refused one connect
    /// attempt in a row (grpc-go's fail-fast calls), instead of redialling until their deadline.
    /// For tools that must report an unreachable cluster rather than wait for it (benchmark).
    public var failFast = false

    public init(endpoints: [Endpoint], dialTimeoutMilliseconds: UInt64 = 2000,
                requestTimeoutMilliseconds: UInt64? = 5000, reconnectBackoffMilliseconds: UInt64 = 100) {
        precondition(!endpoints.isEmpty, "an etcd client needs at least one endpoint")
        self.endpoints = endpoints
        self.dialTimeoutMilliseconds = dialTimeoutMilliseconds
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.reconnectBackoffMilliseconds = reconnectBackoffMilliseconds
    }
}

/// The deadline of one request.
public enum RequestTimeout: Sendable, Equatable {
    /// `EtcdClientConfig.requestTimeoutMilliseconds`.
    case configured
    /// No deadline (etcdctl's `context.TODO()` calls).
    case unlimited
    case milliseconds(UInt64)
}
