import Foundation
import KVStore

/// etcd's "jwt" tokens with HMAC-SHA256 (sign-method=HS256, the key read from priv-key): a
/// signed {"exp","revision","username"} claim set, valid on every member that has the key,
/// until its expiry (wall clock, as jwt-go checks "exp").
final class JWTTokens: AuthTokenProvider {
    private let key: [UInt8]
    private let ttlSeconds: Int64
    static let header = #"{"alg":"HS256","typ":"JWT"}"#

    init(key: [UInt8], ttlSeconds: Int64) {
        precondition(!key.isEmpty, "an HS256 key is never empty (checked when the options are parsed)")
        self.key = key
        self.ttlSeconds = ttlSeconds
    }

    var needsPrefix: Bool { false }

    func assign(prefix: String, index: UInt64, info: AuthInfo, now: UInt64) throws(EtcdError) -> String {
        token(for: info, expiry: Int64(Date().timeIntervalSince1970) + ttlSeconds)
    }

    /// The signed token expiring at `expiry` (Unix seconds).
    func token(for info: AuthInfo, expiry: Int64) -> String {
        // encoding/json sorts a map's keys: exp, revision, username.
        let claims = #"{"exp":\#(expiry),"revision":\#(info.revision),"username":\#(Self.jsonString(info.username))}"#
        let signingInput = Self.base64URL(Array(Self.header.utf8)) + "." + Self.base64URL(Array(claims.utf8))
        return signingInput + "." + Self.base64URL(HMACSHA256.mac(key: key, message: Array(signingInput.utf8)))
    }

    func info(_ token: String, now: UInt64) -> AuthInfo? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.decodeBase64URL(parts[0]), let claimBytes = Self.decodeBase64URL(parts[1]),
              let signature = Self.decodeBase64URL(parts[2]) else { return nil }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              header["alg"] as? String == "HS256" else { return nil }
        let expected = HMACSHA256.mac(key: key, message: Array((parts[0] + "." + parts[1]).utf8))
        guard Self.constantTimeEqual(expected, signature) else { return nil }
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
