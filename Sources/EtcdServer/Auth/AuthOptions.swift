import Foundation
import TLS

/// etcd's auth flags: --auth-token, --bcrypt-cost, --auth-token-ttl.
public struct AuthOptions: Sendable, Equatable {
    /// What Authenticate hands out.
    public enum Tokens: Sendable, Equatable {
        /// Random strings kept by the members, valid while used once per TTL.
        case simple
        /// HS256-signed JWTs with the key from priv-key, valid for `ttlSeconds`.
        case jwtHS256(key: [UInt8], ttlSeconds: Int64)
        /// RS*, PS* or ES* JWTs: the PEM files' contents (checked when parsed); without a
        /// private key the member only verifies tokens.
        case jwtAsymmetric(method: JWTAsymmetricMethod, privatePEM: [UInt8]?, publicPEM: [UInt8]?, ttlSeconds: Int64)
    }

    /// Cost of bcrypt password hashes (out-of-range values fall back to 10, as in etcd).
    public var bcryptCost = 10
    /// How long an unused simple token stays valid.
    public var tokenTTLSeconds: UInt64 = 300
    public var tokens = Tokens.simple

    public init() {}

    /// Parses --auth-token: "simple", or "jwt,sign-method=<method>,priv-key=<file>[,pub-key=<file>][,ttl=<duration>]".
    /// HS384 and HS512 are refused clearly (Keel's HMAC is SHA-256 only).
    static func parseTokens(_ text: String) throws(ConfigError) -> Tokens {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        switch parts.first ?? "" {
        case "simple": return .simple
        case "jwt": break
        default: throw ConfigError("auth: invalid auth options")
        }
        var options: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { throw ConfigError("auth: invalid auth options") }
            options[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        let method = options["sign-method"] ?? ""
        guard ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]
            .contains(method) else { throw ConfigError("auth: invalid auth signature method") }
        guard method != "HS384", method != "HS512" else {
            throw ConfigError("--auth-token jwt with sign-method=\(method) is not supported by Keel yet (use HS256, RS*, PS*, ES* or simple)")
        }
        var ttlSeconds: Int64 = 300
        if let ttl = options["ttl"], !ttl.isEmpty {
            guard let nanoseconds = GoValues.duration(ttl), nanoseconds > 0 else { throw ConfigError("auth: invalid auth options") }
            ttlSeconds = max(1, nanoseconds / 1_000_000_000)
        }
        if let asymmetric = JWTAsymmetricMethod(rawValue: method) {
            return try asymmetricTokens(asymmetric, options, ttlSeconds: ttlSeconds)
        }
        guard let path = options["priv-key"], !path.isEmpty else { throw ConfigError("auth: missing key data") }
        guard let key = FileManager.default.contents(atPath: path), !key.isEmpty else {
            throw ConfigError(FileManager.default.fileExists(atPath: path) ? "auth: missing key data" : "open \(path): no such file or directory")
        }
        return .jwtHS256(key: [UInt8](key), ttlSeconds: ttlSeconds)
    }

    private static func asymmetricTokens(_ method: JWTAsymmetricMethod, _ options: [String: String],
                                         ttlSeconds: Int64) throws(ConfigError) -> Tokens {
        let privatePEM = try keyFile(options["priv-key"])
        let publicPEM = try keyFile(options["pub-key"])
        do throws(JWTKeyError) {
            // Loaded once here so a bad key stops the server at startup, as in etcd.
            _ = try JWTKey(method: method, privatePEM: privatePEM, publicPEM: publicPEM)
        } catch {
            throw ConfigError(error.message)
        }
        return .jwtAsymmetric(method: method, privatePEM: privatePEM, publicPEM: publicPEM, ttlSeconds: ttlSeconds)
    }

    /// The contents of a key option's file; nil when the option is absent or empty.
    private static func keyFile(_ path: String?) throws(ConfigError) -> [UInt8]? {
        guard let path, !path.isEmpty else { return nil }
        guard let contents = FileManager.default.contents(atPath: path) else { throw ConfigError("open \(path): no such file or directory") }
        return [UInt8](contents)
    }
}
