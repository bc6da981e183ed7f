import Foundation
import KVStore
import Testing

@testable import EtcdServer

/// --auth-token parsing and the HS256 JWTs (the same bytes etcd 3.4 signs: checked against the
/// real etcd by hand; here against a token it issued for the key below).
@Suite struct AuthTokenTests {
    static let key = Array("sekrit-key-for-tests".utf8)
    /// Issued by etcd 3.4.23 (--auth-token jwt,sign-method=HS256) for root at auth revision 3,
    /// expiring at 1795748770.
    static let etcdToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTU3NDg3NzAsInJldmlzaW9uIjozLCJ1c2VybmFtZSI6InJvb3QifQ.ofcbccQpAEddCRckJ0gVaRa7dMDYM8yfYD4JdXw5r3M"

    @Test func hmacMatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = HMACSHA256.mac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func jwtRoundTripAndRefusals() throws {
        let tokens = JWTTokens(key: Self.key, ttlSeconds: 60)
        let token = try tokens.assign(prefix: "", index: 9, info: AuthInfo(username: "alice", revision: 4), now: 0)
        #expect(tokens.info(token, now: 0) == AuthInfo(username: "alice", revision: 4))
        #expect(tokens.info(token + "x", now: 0) == nil)
        #expect(JWTTokens(key: Array("other".utf8), ttlSeconds: 60).info(token, now: 0) == nil)
        #expect(tokens.info("not.a.jwt", now: 0) == nil)
        let expired = try JWTTokens(key: Self.key, ttlSeconds: -10).assign(prefix: "", index: 1, info: AuthInfo(username: "a", revision: 1), now: 0)
        #expect(tokens.info(expired, now: 0) == nil)
        #expect(try tokens.token(for: AuthInfo(username: "root", revision: 3), expiry: 1_795_748_770) == Self.etcdToken)
    }

    @Test func authTokenOptions() throws {
        #expect(try AuthOptions.parseTokens("simple") == .simple)
        let path = NSTemporaryDirectory() + "keel-hs-\(UUID().uuidString).key"
        try Data(Self.key).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try AuthOptions.parseTokens("jwt,priv-key=\(path),sign-method=HS256,ttl=10m") == .jwtHS256(key: Self.key, ttlSeconds: 600))
        #expect(throws: ConfigError("auth: invalid auth options")) { try AuthOptions.parseTokens("bogus") }
        #expect(throws: ConfigError("auth: invalid auth signature method")) { try AuthOptions.parseTokens("jwt,priv-key=\(path)") }
        #expect(throws: ConfigError("auth: missing key data")) { try AuthOptions.parseTokens("jwt,sign-method=HS256") }
        #expect(throws: ConfigError.self) { try AuthOptions.parseTokens("jwt,sign-method=RS256,priv-key=\(path)") }
    }
}
