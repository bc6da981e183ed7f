import CLibSSL

/// A failure loading a JWT key or signing with it; the message is etcd's where etcd has one.
public struct JWTKeyError: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// The asymmetric JWT signature methods etcd 3.4 accepts (via jwt-go): RSASSA-PKCS1-v1_5 (RS*),
/// RSASSA-PSS (PS*) and ECDSA (ES*) over SHA-256/384/512, with OpenSSL's libcrypto.
public enum JWTAsymmetricMethod: String, Sendable, CaseIterable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"

    var hashBits: Int {
        switch self {
        case .rs256, .ps256, .es256: 256
        case .rs384, .ps384, .es384: 384
        case .rs512, .ps512, .es512: 512
        }
    }

    var isRSA: Bool { !isECDSA }
    var isPSS: Bool { self == .ps256 || self == .ps384 || self == .ps512 }
    var isECDSA: Bool { self == .es256 || self == .es384 || self == .es512 }

    /// ES256 needs P-256, ES384 P-384, ES512 P-521 (as jwt-go checks).
    var curveBits: Int32 { hashBits == 512 ? 521 : Int32(hashBits) }
    /// Bytes of r and of s in a JWS ECDSA signature (r || s, fixed width).
    var scalarBytes: Int { (Int(curveBits) + 7) / 8 }

    func digest() -> OpaquePointer? {
        switch hashBits {
        case 256: EVP_sha256()
        case 384: EVP_sha384()
        default: EVP_sha512()
        }
    }
}

/// A key for one asymmetric JWT method: a private key (signs and verifies) and/or a public key
/// (verifies only), from PEM files as etcd's priv-key/pub-key options give them. Used on the
/// loop thread only.
public final class JWTKey {
    public let method: JWTAsymmetricMethod
    private let privateKey: OpaquePointer?
    private let verifyingKey: OpaquePointer

    public var canSign: Bool { privateKey != nil }

    public init(method: JWTAsymmetricMethod, privatePEM: [UInt8]?, publicPEM: [UInt8]?) throws(JWTKeyError) {
        self.method = method
        let privateKey = try privatePEM.map { (pem) throws(JWTKeyError) in try Self.loadPrivate(pem) }
        let publicKey: OpaquePointer?
        do throws(JWTKeyError) {
            publicKey = try publicPEM.map { (pem) throws(JWTKeyError) in try Self.loadPublic(pem) }
        } catch {
            if let privateKey { EVP_PKEY_free(privateKey) }
            throw error
        }
        guard let verifyingKey = privateKey ?? publicKey else { throw JWTKeyError("auth: missing key data") }
        self.privateKey = privateKey
        self.verifyingKey = verifyingKey
        if let publicKey, publicKey != verifyingKey {
            let matches = EVP_PKEY_eq(publicKey, verifyingKey) == 1
            EVP_PKEY_free(publicKey)
            guard matches else { throw JWTKeyError("auth: public and private keys don't match") }
        }
        try checkKind(verifyingKey)
    }

    deinit { EVP_PKEY_free(verifyingKey) }

    /// The JWS signature of `message` (for ECDSA the fixed-width r || s, not DER).
    public func sign(_ message: [UInt8]) throws(JWTKeyError) -> [UInt8] {
        guard let privateKey else { throw JWTKeyError("auth: token signing attempted with verify-only key") }
        guard let context = EVP_MD_CTX_new() else { throw JWTKeyError("cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, method.digest(), nil, privateKey) == 1,
              configurePadding(keyContext, saltLength: RSA_PSS_SALTLEN_DIGEST) else {
            throw JWTKeyError("cannot sign with the \(method.rawValue) key: \(Self.openSSLError())")
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw JWTKeyError("cannot sign with the \(method.rawValue) key: \(Self.openSSLError())")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw JWTKeyError("cannot sign with the \(method.rawValue) key: \(Self.openSSLError())")
        }
        signature.removeLast(signature.count - length)
        return method.isECDSA ? try fixedWidth(der: signature) : signature
    }

    /// Whether `signature` is this key's JWS signature of `message`.
    public func verify(_ message: [UInt8], signature: [UInt8]) -> Bool {
        var checked = signature
        if method.isECDSA {
            guard signature.count == 2 * method.scalarBytes, let der = Self.der(fixedWidth: signature) else { return false }
            checked = der
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, method.digest(), nil, verifyingKey) == 1,
              configurePadding(keyContext, saltLength: RSA_PSS_SALTLEN_AUTO) else { return false }
        let valid = EVP_DigestVerify(context, checked, checked.count, message, message.count) == 1
        ERR_clear_error()
        return valid
    }

    // PSS signs with a salt as long as the hash and accepts any salt length, as jwt-go does.
    private func configurePadding(_ keyContext: OpaquePointer?, saltLength: Int32) -> Bool {
        guard method.isPSS else { return true }
        return EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) > 0
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, saltLength) > 0
    }

    private func checkKind(_ key: OpaquePointer) throws(JWTKeyError) {
        let type = EVP_PKEY_get_base_id(key)
        if method.isRSA {
            guard type == EVP_PKEY_RSA else { throw JWTKeyError("key is not a valid RSA key for \(method.rawValue)") }
        } else {
            guard type == EVP_PKEY_EC else { throw JWTKeyError("key is not a valid ECDSA key for \(method.rawValue)") }
            guard EVP_PKEY_get_bits(key) == method.curveBits else {
                throw JWTKeyError("key is invalid: \(method.rawValue) needs a \(method.curveBits)-bit curve")
            }
        }
    }

    /// DER ECDSA-Sig-Value → r || s, each left-padded to the curve's size.
    private func fixedWidth(der: [UInt8]) throws(JWTKeyError) -> [UInt8] {
        let width = method.scalarBytes
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw JWTKeyError("cannot decode an ECDSA signature") }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        var output = [UInt8](repeating: 0, count: 2 * width)
        let written = output.withUnsafeMutableBufferPointer { buffer in
            (BN_bn2binpad(r, buffer.baseAddress, Int32(width)), BN_bn2binpad(s, buffer.baseAddress! + width, Int32(width)))
        }
        guard written.0 == Int32(width), written.1 == Int32(width) else { throw JWTKeyError("cannot encode an ECDSA signature") }
        return output
    }

    /// r || s → DER, or nil when it does not parse.
    private static func der(fixedWidth signature: [UInt8]) -> [UInt8]? {
        let half = signature.count / 2
        guard let parsed = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(parsed) }
        let r = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(half), nil) }
        let s = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + half, Int32(half), nil) }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        guard ECDSA_SIG_set0(parsed, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(parsed, nil)
        guard length > 0 else { return nil }
        var output = [UInt8](repeating: 0, count: Int(length))
        let written = output.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(parsed, &cursor)
        }
        return written == length ? output : nil
    }

    private static func loadPrivate(_ pem: [UInt8]) throws(JWTKeyError) -> OpaquePointer {
        let key = withBIO(pem) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        guard let key else { throw JWTKeyError("invalid private key: \(openSSLError())") }
        return key
    }

    /// A PEM public key (PKIX), or the key of a PEM certificate, as jwt-go accepts.
    private static func loadPublic(_ pem: [UInt8]) throws(JWTKeyError) -> OpaquePointer {
        if let key = withBIO(pem, { PEM_read_bio_PUBKEY($0, nil, nil, nil) }) { return key }
        let certificate = withBIO(pem) { PEM_read_bio_X509($0, nil, nil, nil) }
        guard let certificate else { throw JWTKeyError("invalid public key: \(openSSLError())") }
        defer { X509_free(certificate) }
        guard let key = X509_get_pubkey(certificate) else { throw JWTKeyError("invalid public key: \(openSSLError())") }
        ERR_clear_error()
        return key
    }

    private static func withBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBytes { raw -> T? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    private static func openSSLError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no PEM data" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
