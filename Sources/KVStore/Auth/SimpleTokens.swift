/// Who a request is: the user its token names and the auth revision the token was issued at.
public struct AuthInfo: Sendable, Equatable {
    public var username: String
    public var revision: UInt64

    public init(username: String, revision: UInt64) {
        self.username = username
        self.revision = revision
    }
}

/// Mints and resolves auth tokens (etcd's TokenProvider): "simple" tokens kept in memory, or
/// signed JWTs (the server's provider).
public protocol AuthTokenProvider: AnyObject {
    /// A token for `info`; `prefix` and `index` are the proposer's random prefix and the Raft
    /// index of the Authenticate entry; `now` is the loop clock.
    func assign(prefix: String, index: UInt64, info: AuthInfo, now: UInt64) throws(EtcdError) -> String
    /// The token's user, or nil when the token is unknown, expired or forged.
    func info(_ token: String, now: UInt64) -> AuthInfo?
    /// Whether Authenticate needs a random prefix from the proposer.
    var needsPrefix: Bool { get }
    func invalidate(user: String)
    func removeAll()
}

/// etcd's "simple" tokens: an opaque random string per successful Authenticate, valid while
/// used at least once per TTL. Every member learns the token when it applies the Authenticate
/// entry; expiry is local time, so it is measured with the loop clock handed in.
public final class SimpleTokens: AuthTokenProvider {
    private struct Entry {
        var info: AuthInfo
        var expiresAtMilliseconds: UInt64
    }

    public let ttlMilliseconds: UInt64
    /// Bound on live tokens: the oldest are forgotten first beyond it.
    public static let maxTokens = 100_000
    private var tokens: [String: Entry] = [:]

    public init(ttlSeconds: UInt64) {
        ttlMilliseconds = max(1, ttlSeconds) * 1000
    }

    /// etcd's token: the proposer's random prefix, then the Raft index of the Authenticate entry.
    public var needsPrefix: Bool { true }

    public func assign(prefix: String, index: UInt64, info: AuthInfo, now: UInt64) throws(EtcdError) -> String {
        let token = "\(prefix).\(index)"
        if tokens.count >= Self.maxTokens { dropOldest() }
        tokens[token] = Entry(info: info, expiresAtMilliseconds: now + ttlMilliseconds)
        return token
    }

    /// The token's user, refreshing its TTL; nil when unknown or expired.
    public func info(_ token: String, now: UInt64) -> AuthInfo? {
        guard var entry = tokens[token] else { return nil }
        guard entry.expiresAtMilliseconds > now else {
            tokens[token] = nil
            return nil
        }
        entry.expiresAtMilliseconds = now + ttlMilliseconds
        tokens[token] = entry
        return entry.info
    }

    public func invalidate(user: String) {
        tokens = tokens.filter { $0.value.info.username != user }
    }

    public func removeAll() { tokens.removeAll() }

    private func dropOldest() {
        guard let oldest = tokens.min(by: { $0.value.expiresAtMilliseconds < $1.value.expiresAtMilliseconds })?.key else { return }
        tokens[oldest] = nil
    }
}
