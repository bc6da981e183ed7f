import Foundation
import KVStore
import TLS

/// etcd's "jwt" tokens: a signed {"exp","revision","username"} claim set, valid on every member
/// that has the key, until its expiry (wall clock, as jwt-go checks "exp"). HS256 signs with
/// the priv-key file's bytes as the HMAC key; the RS*, PS* and ES* methods with a PEM key pair
/// (a public key alone only verifies, as in etcd).
final class JWTTokens: AuthTokenProvider {
    private enum Signer {
        case hmacSHA256([UInt8])
        case asymmetric(JWTKey)
    }

    private let signer: Signer
    private let ttlSeconds: Int64
    let header: String
    private let algorithm: String

    init(key: [UInt8], ttlSeconds: Int64) {
        precondition(!key.isEmpty, "an HS256 key is never empty (checked when the options are parsed)")
        signer = .hmacSHA256(key)
        self.ttlSeconds = ttlSeconds
        algorithm = "HS256"
        header = Self.header(algorithm)
    }

    init(key: JWTKey, ttlSeconds: Int64) {
        signer = .asymmetric(key)
        self.ttlSeconds = ttlSeconds
        algorithm = key.method.rawValue
        header = Self.header(algorithm)
    }

    /// jwt-go's header: encoding/json sorts the keys.
    static func header(_ algorithm: String) -> String { #"{"alg":"\#(algorithm)","typ":"JWT"}"# }

    var needsPrefix: Bool { false }

    func assign(prefix: String, index: UInt64, info: AuthInfo, now: UInt64) throws(EtcdError) -> String {
        do throws(JWTKeyError) {
            return try token(for: info, expiry: Int64(Date().timeIntervalSince1970) + ttlSeconds)
        } catch {
            // etcd returns the signer's error as is (code Unknown), e.g. for a verify-only key.
            throw EtcdError(code: 2, message: error.message)
        }
    }

    /// The signed token expiring at `expiry` (Unix seconds).
    func token(for info: AuthInfo, expiry: Int64) throws(JWTKeyError) -> String {
        // encoding/json sorts a map's keys: exp, revision, username.
        let claims = #"{"exp":\#(expiry),"revision":\#(info.revision),"username":\#(Self.jsonString(info.username))}"#
        let signingInput = Self.base64URL(Array(header.utf8)) + "." + Self.base64URL(Array(claims.utf8))
        return signingInput + "." + Self.base64URL(try signature(Array(signingInput.utf8)))
    }

    private func signature(_ message: [UInt8]) throws(JWTKeyError) -> [UInt8] {
        switch signer {
        case .hmacSHA256(let key): return HMACSHA256.mac(key: key, message: message)
        case .asymmetric(let key): return try key.sign(message)
        }
    }

    private func verify(_ message: [UInt8], _ signature: [UInt8]) -> Bool {
        switch signer {
        case .hmacSHA256(let key): return Self.constantTimeEqual(HMACSHA256.mac(key: key, message: message), signature)
        case .asymmetric(let key): return key.verify(message, signature: signature)
        }
    }

    func info(_ token: String, now: UInt64) -> AuthInfo? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.decodeBase64URL(parts[0]), let claimBytes = Self.decodeBase64URL(parts[1]),
              let signature = Self.decodeBase64URL(parts[2]) else { return nil }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              header["alg"] as? String == algorithm else { return nil }
        guard verify(Array((parts[0] + "." + parts[1]).utf8), signature) else { return nil }
        guard let claims = try? JSONSerialization.jsonObject(with: Data(claimBytes)) as? [String: Any],
              let username = claims["username"] as? String, let revision = claims["revision"] as? NSNumber else { return nil }
        if let expiry = claims["exp"] as? NSNumber, expiry.doubleValue <= Date().timeIntervalSince1970 { return nil }
        return AuthInfo(username: username, revision: revision.uint64Value)
    }

    // JWTs cannot be revoked: they stay valid until they expire (as in etcd).
    func invalidate(user: String) {}
    func removeAll() {}

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// HMAC (RFC 2104) over Keel's SHA-256.
enum HMACSHA256 {
    static let blockBytes = 64

    static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > blockBytes ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: blockBytes - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finish())
        return outer.finish()
    }
}
