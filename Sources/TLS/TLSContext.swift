import CLibSSL
import EventLoop

/// An OpenSSL context (SSL_CTX): certificates, trust, verification and cipher settings shared by
/// every connection of one listener or one client. Loop thread only.
public final class TLSContext {
    let raw: OpaquePointer
    public let isServer: Bool
    /// Client side: check the server certificate (and its name).
    let verifiesServer: Bool
    /// Client side: ALPN protocols in wire format (length-prefixed), if any.
    let alpnWire: [UInt8]
    /// Server side: the common name a client certificate must carry, if set.
    let allowedCommonName: String
    /// Server side: the host name a client certificate must be valid for, if set.
    private(set) var allowedHostname = ""
    /// Server side: serial numbers (big-endian magnitude) revoked by the CRL file.
    let revokedSerials: Set<[UInt8]>

    /// Server side: a connection whose handshake failed, with its remote address and the
    /// reason; the connection itself is closed.
    public var onHandshakeFailure: ((_ remoteAddress: String, _ reason: String) -> Void)?

    private init(raw: OpaquePointer, isServer: Bool, verifiesServer: Bool, alpnWire: [UInt8],
                 allowedCommonName: String, revokedSerials: Set<[UInt8]>) {
        self.raw = raw
        self.isServer = isServer
        self.verifiesServer = verifiesServer
        self.alpnWire = alpnWire
        self.allowedCommonName = allowedCommonName
        self.revokedSerials = revokedSerials
    }

    deinit { SSL_CTX_free(raw) }

    /// A server context; throws when a file does not load or a setting is invalid.
    public static func server(_ options: TLSServerOptions) throws(TLSError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError.openSSL("cannot create a TLS context") }
        do throws(TLSError) {
            try configureCommon(ctx, cipherSuites: options.cipherSuites)
            try loadIdentity(ctx, certFile: options.certFile, keyFile: options.keyFile)
            if !options.trustedCAFile.isEmpty {
                try loadTrust(ctx, caFile: options.trustedCAFile)
                if let names = SSL_load_client_CA_file(options.trustedCAFile) { SSL_CTX_set_client_CA_list(ctx, names) }
            }
            if options.clientCertAuth {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            }
            let revoked = options.crlFile.isEmpty ? [] : try RevocationList.serials(from: options.crlFile)
            keel_ssl_ctx_enable_alpn_server(ctx)
            let context = TLSContext(raw: ctx, isServer: true, verifiesServer: false, alpnWire: [],
                                     allowedCommonName: options.allowedCommonName, revokedSerials: revoked)
            context.allowedHostname = options.allowedHostname
            return context
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
    }

    /// A client context; throws when a file does not load or a setting is invalid.
    public static func client(_ options: TLSClientOptions) throws(TLSError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError.openSSL("cannot create a TLS context") }
        do throws(TLSError) {
            try configureCommon(ctx, cipherSuites: options.cipherSuites)
            if !options.certFile.isEmpty || !options.keyFile.isEmpty {
                try loadIdentity(ctx, certFile: options.certFile, keyFile: options.keyFile)
            }
            if options.trustedCAFile.isEmpty {
                SSL_CTX_set_default_verify_paths(ctx)
            } else {
                try loadTrust(ctx, caFile: options.trustedCAFile)
            }
            let verifies = !options.insecureSkipVerify
            SSL_CTX_set_verify(ctx, verifies ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
            var wire: [UInt8] = []
            for proto in options.alpn {
                let bytes = Array(proto.utf8)
                guard !bytes.isEmpty, bytes.count < 256 else { throw TLSError("invalid ALPN protocol \"\(proto)\"") }
                wire.append(UInt8(bytes.count))
                wire.append(contentsOf: bytes)
            }
            return TLSContext(raw: ctx, isServer: false, verifiesServer: verifies, alpnWire: wire,
                              allowedCommonName: "", revokedSerials: [])
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
    }

    private static func configureCommon(_ ctx: OpaquePointer, cipherSuites: [String]) throws(TLSError) {
        keel_ssl_ctx_set_min_tls12(ctx)  // etcd's minimum
        keel_ssl_ctx_set_modes(ctx)
        if !cipherSuites.isEmpty {
            let list = try CipherSuites.openSSLCipherList(cipherSuites)
            guard SSL_CTX_set_cipher_list(ctx, list) == 1 else {
                throw TLSError.openSSL("cipher suites \(cipherSuites.joined(separator: ",")) are not available")
            }
        }
    }

    private static func loadIdentity(_ ctx: OpaquePointer, certFile: String, keyFile: String) throws(TLSError) {
        guard !certFile.isEmpty, !keyFile.isEmpty else {
            throw TLSError("both a certificate file and a key file are needed (cert \"\(certFile)\", key \"\(keyFile)\")")
        }
        guard SSL_CTX_use_certificate_chain_file(ctx, certFile) == 1 else {
            throw TLSError.openSSL("cannot load the certificate file \(certFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.openSSL("cannot load the key file \(keyFile)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError.openSSL("the key \(keyFile) does not match the certificate \(certFile)")
        }
    }

    private static func loadTrust(_ ctx: OpaquePointer, caFile: String) throws(TLSError) {
        guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
            throw TLSError.openSSL("cannot load the trusted CA file \(caFile)")
        }
    }

    // MARK: connections

    /// Server side: makes an accepted connection speak TLS (before anything reads from it).
    /// The handshake runs as the client's bytes arrive.
    public func secure(_ connection: TCPConnection) throws(TLSError) {
        precondition(isServer, "secure(_:) is for accepted connections")
        let session = try TLSSession(context: self, connection: connection, serverName: nil)
        connection.install(session)
    }
}
