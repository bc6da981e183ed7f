/// etcd's auth flags: --auth-token, --bcrypt-cost, --auth-token-ttl.
public struct AuthOptions: Sendable, Equatable {
    /// Cost of bcrypt password hashes (out-of-range values fall back to 10, as in etcd).
    public var bcryptCost = 10
    /// How long an unused simple token stays valid.
    public var tokenTTLSeconds: UInt64 = 300

    public init() {}

    /// Checks --auth-token: "simple" is supported; etcd's "jwt,..." tokens are refused with a
    /// clear error rather than silently replaced.
    static func validateTokenType(_ text: String) throws(ConfigError) {
        let type = text.split(separator: ",", maxSplits: 1).first.map(String.init) ?? ""
        switch type {
        case "simple": return
        case "jwt": throw ConfigError("--auth-token jwt is not supported by Keel yet (use --auth-token simple)")
        default: throw ConfigError("auth: invalid auth options")
        }
    }
}
