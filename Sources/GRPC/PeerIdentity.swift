import EventLoop

// The client's identity on a TLS connection with client certificates: the common name of its
// verified certificate (etcd uses it as the user name when auth is enabled). Nil on plain
// connections, without a client certificate, or when the certificate was not verified.

extension UnaryResponder {
    public var peerCommonName: String? { call.peerCommonName }
}

extension ServerStream {
    public var peerCommonName: String? { call.peerCommonName }
}
