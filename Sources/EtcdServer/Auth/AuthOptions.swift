import Foundation

/// etcd's auth flags: --auth-token, --bcrypt-cost, --auth-token-ttl.
public struct AuthOptions: Sendable, Equatable {
    /// What Authenticate hands out.
    public enum Tokens: Sendable, Equatable {
        /// Random strings kept by the members, valid while used once per TTL.
        case simple
        /// HS256-signed JWTs with the key from priv-key, valid for `ttlSeconds`.
        case jwtHS256(key: [UInt8], ttlSeconds: Int64)
    }

    /// Cost of bcrypt password hashes (out-of-range values fall back to 10, as in etcd).
    public var bcryptCost = 10
    /// How long an unused simple token stays valid.
    public var tokenTTLSeconds: UInt64 = 300
    public var tokens = Tokens.simple

    public init() {}

    /// Parses --auth-token: "simple", or "jwt,sign-method=HS256,priv-key=<file>[,ttl=<duration>]".
    /// The RSA and ECDSA methods need a crypto library Keel does not link yet: refused clearly.
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
        guard method == "HS256" else {
            throw ConfigError("--auth-token jwt with sign-method=\(method) is not supported by Keel yet (use HS256 or simple)")
        }
        var ttlSeconds: Int64 = 300
        if let ttl = options["ttl"], !ttl.isEmpty {
            guard let nanoseconds = GoValues.duration(ttl), nanoseconds > 0 else { throw ConfigError("auth: invalid auth options") }
            ttlSeconds = max(1, nanoseconds / 1_000_000_000)
        }
        guard let path = options["priv-key"], !path.isEmpty else { throw ConfigError("auth: missing key data") }
        guard let key = FileManager.default.contents(atPath: path), !key.isEmpty else {
            throw ConfigError(FileManager.default.fileExists(atPath: path) ? "auth: missing key data" : "open \(path): no such file or directory")
        }
        return .jwtHS256(key: [UInt8](key), ttlSeconds: ttlSeconds)
    }
}
