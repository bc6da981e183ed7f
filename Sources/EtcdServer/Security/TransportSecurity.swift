import TLS

/// The TLS settings of a member, from etcd's security flags: the server side of https client
/// and peer URLs, the client side used to dial https peers and (for forwarded requests) the
/// leader's https client URL. Plain data (Sendable); the OpenSSL contexts are built on the loop.
public struct TransportSecurity: Sendable, Equatable {
    public var clientServer: TLSServerOptions?
    public var peerServer: TLSServerOptions?
    public var peerClient: TLSClientOptions?
    public var leaderClient: TLSClientOptions?

    public init() {}

    /// From a parsed configuration: validates the https URLs against the given certificates,
    /// generates --auto-tls/--peer-auto-tls certificates, and maps --cipher-suites.
    public init(config: EtcdConfig, log: Logger) throws(ConfigError) {
        self.init()
        do {
            _ = try CipherSuites.openSSLCipherList(config.cipherSuites)
        } catch {
            throw ConfigError(error.message)
        }
        let client = try Self.resolveAutoTLS(config.clientTLS, side: "client", hosts: config.listenClientURLs,
                                             directory: config.resolvedDataDir + "/fixtures/client", log: log)
        let peer = try Self.resolveAutoTLS(config.peerTLS, side: "peer", hosts: config.listenPeerURLs,
                                           directory: config.resolvedDataDir + "/fixtures/peer", log: log)
        for url in config.listenClientURLs where url.isSecure && client.certFile.isEmpty {
            throw ConfigError("TLS key/cert (--cert-file, --key-file) must be provided for client url \(url) with HTTPS scheme")
        }
        for url in config.listenPeerURLs where url.isSecure && peer.certFile.isEmpty {
            throw ConfigError("cannot listen on TLS for \(url.hostPort): KeyFile and CertFile are not presented")
        }
        if !client.certFile.isEmpty {
            clientServer = Self.server(client, cipherSuites: config.cipherSuites, allowedCN: "")
            leaderClient = Self.client(client, cipherSuites: config.cipherSuites)
        }
        if !peer.certFile.isEmpty {
            peerServer = Self.server(peer, cipherSuites: config.cipherSuites, allowedCN: peer.allowedCN)
        }
        // Peers are dialled with TLS when their URL says https, with our peer certificate if any.
        peerClient = Self.client(peer, cipherSuites: config.cipherSuites)
    }

    /// etcd's ClientSelfCert/PeerSelfCert: generate a pair unless certificates were given.
    private static func resolveAutoTLS(_ tls: EtcdConfig.TLS, side: String, hosts: [EtcdURL], directory: String,
                                       log: Logger) throws(ConfigError) -> EtcdConfig.TLS {
        guard tls.autoTLS else { return tls }
        if !tls.certFile.isEmpty || !tls.keyFile.isEmpty {
            log.warn("ignoring \(side) auto TLS since certs given")
            var given = tls
            given.autoTLS = false
            return given
        }
        let files: SelfSignedCertificate.Files
        do {
            files = try SelfSignedCertificate.generate(hosts: hosts.map(\.host), directory: directory)
        } catch {
            throw ConfigError("failed to get \(side) self-signed certs: \(error.message)")
        }
        var generated = tls
        generated.certFile = files.certFile
        generated.keyFile = files.keyFile
        return generated
    }

    private static func server(_ tls: EtcdConfig.TLS, cipherSuites: [String], allowedCN: String) -> TLSServerOptions {
        var options = TLSServerOptions(certFile: tls.certFile, keyFile: tls.keyFile)
        options.trustedCAFile = tls.trustedCAFile
        options.clientCertAuth = tls.clientCertAuth
        options.crlFile = tls.crlFile
        options.cipherSuites = cipherSuites
        options.allowedCommonName = allowedCN
        options.allowedHostname = tls.allowedHostname
        return options
    }

    private static func client(_ tls: EtcdConfig.TLS, cipherSuites: [String]) -> TLSClientOptions {
        var options = TLSClientOptions()
        options.trustedCAFile = tls.trustedCAFile
        options.certFile = tls.certFile
        options.keyFile = tls.keyFile
        options.cipherSuites = cipherSuites
        // etcd trusts its own self-signed certificates without verification (SelfCert).
        options.insecureSkipVerify = tls.autoTLS && tls.trustedCAFile.isEmpty
        return options
    }
}
