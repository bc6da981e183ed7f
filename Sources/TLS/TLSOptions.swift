/// How a TLS server (the client or peer listener) authenticates itself and its clients, in
/// etcd's terms (`--cert-file`, `--key-file`, `--trusted-ca-file`, `--client-cert-auth`,
/// `--client-crl-file`, `--cipher-suites`, `--peer-cert-allowed-cn`).
public struct TLSServerOptions: Sendable, Equatable {
    public var certFile: String
    public var keyFile: String
    /// CA bundle that client certificates must chain to.
    public var trustedCAFile = ""
    /// Require and verify a client certificate.
    public var clientCertAuth = false
    /// PEM or DER certificate revocation list: a client certificate with a listed serial is refused.
    public var crlFile = ""
    /// Go cipher suite names (TLS 1.2 and below); empty: OpenSSL's defaults.
    public var cipherSuites: [String] = []
    /// When set, a client certificate must carry this common name.
    public var allowedCommonName = ""
    /// When set, a client certificate must be valid for this host name (SAN or CN).
    public var allowedHostname = ""

    public init(certFile: String, keyFile: String) {
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// How a TLS client (etcdctl, the peer transport, a follower's connection to the leader)
/// checks the server and, optionally, presents its own certificate.
public struct TLSClientOptions: Sendable, Equatable {
    /// CA bundle for the server's certificate; empty: the system's trusted roots.
    public var trustedCAFile = ""
    public var certFile = ""
    public var keyFile = ""
    /// Accept any server certificate (etcdctl's --insecure-skip-tls-verify, auto-TLS peers).
    public var insecureSkipVerify = false
    public var cipherSuites: [String] = []
    /// ALPN protocols offered, e.g. ["h2"] for gRPC.
    public var alpn: [String] = []

    public init() {}
}
