import Foundation
import KVStore
import Testing

@testable import EtcdServer

extension EtcdIntegration {
    /// The RS*, PS* and ES* JWT methods: unit round trips, and tokens exchanged with the real etcd.
    @Suite struct AsymmetricJWT {
        /// Key pairs made with the openssl CLI for the asymmetric JWT methods.
        static func makeJWTKeys(_ directory: String) throws -> (rsa: String, rsaPublic: String, ec: String, ecPublic: String) {
            let script = """
            set -e
            cd "$1"
            openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
            openssl pkey -in rsa.pem -pubout -out rsa.pub
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem
            openssl pkey -in ec.pem -pubout -out ec.pub
            openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null
            openssl pkey -in other.pem -pubout -out other.pub
            """
            let result = try runCommand("/bin/bash", ["-c", script, "keys", directory], timeout: 30)
            guard result.exitCode == 0 else { throw ServerFailure("openssl could not make JWT keys: \(result.stderr)") }
            return (directory + "/rsa.pem", directory + "/rsa.pub", directory + "/ec.pem", directory + "/ec.pub")
        }

        /// The token with the first character of its signature changed.
        static func tampered(_ token: String) -> String {
            var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let first = parts[2].first else { return token + "x" }
            parts[2] = (first == "A" ? "B" : "A") + parts[2].dropFirst()
            return parts.joined(separator: ".")
        }

        @Test func asymmetricJWTsRoundTripAndRefuseForgeries() throws {
            let directory = IntegrationPaths.freshDirectory("jwt-keys")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let keys = try Self.makeJWTKeys(directory)
            let alice = AuthInfo(username: "alice", revision: 4)
            for (method, privateKey, publicKey) in [("RS256", keys.rsa, keys.rsaPublic), ("PS384", keys.rsa, keys.rsaPublic),
                                                    ("RS512", keys.rsa, keys.rsaPublic), ("ES256", keys.ec, keys.ecPublic)] {
                let signer = try JWTTokens.provider(AuthOptions.parseTokens("jwt,sign-method=\(method),priv-key=\(privateKey),pub-key=\(publicKey),ttl=1m"))
                let token = try signer.assign(prefix: "", index: 1, info: alice, now: 0)
                #expect(signer.info(token, now: 0) == alice, "\(method)")
                #expect(signer.info(Self.tampered(token), now: 0) == nil, "\(method): a changed signature is refused")
                // A member holding only the public key verifies tokens but cannot issue them.
                let verifier = try JWTTokens.provider(AuthOptions.parseTokens("jwt,sign-method=\(method),pub-key=\(publicKey)"))
                #expect(verifier.info(token, now: 0) == alice, "\(method)")
                #expect(throws: EtcdError(code: 2, message: "auth: token signing attempted with verify-only key")) {
                    try verifier.assign(prefix: "", index: 1, info: alice, now: 0)
                }
            }
            // The wrong kind of key, a mismatched pair, and a missing key stop the server at startup.
            #expect(throws: ConfigError.self) { try AuthOptions.parseTokens("jwt,sign-method=ES256,priv-key=\(keys.rsa)") }
            #expect(throws: ConfigError("auth: public and private keys don't match")) {
                try AuthOptions.parseTokens("jwt,sign-method=RS256,priv-key=\(keys.rsa),pub-key=\(directory)/other.pub")
            }
            #expect(throws: ConfigError("auth: missing key data")) { try AuthOptions.parseTokens("jwt,sign-method=RS256") }
        }

        /// Keel and the reference etcd started with the same --auth-token jwt key pair and the same
        /// auth setup: a token either one issues is accepted by the other, and a forged one by neither.
        @Test(arguments: ["RS256", "PS256", "ES256"])
        func asymmetricJWTsAreInterchangeableWithEtcd(_ method: String) throws {
            guard let keel = TLS.requireBinaries() else { return }
            guard IntegrationPaths.referenceEtcdInstalled else {
                Issue.record("the reference etcd is not installed at \(IntegrationPaths.referenceEtcd)")
                return
            }
            let directory = IntegrationPaths.freshDirectory("jwt-cross")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let keys = try Self.makeJWTKeys(directory)
            let (privateKey, publicKey) = method.hasPrefix("ES") ? (keys.ec, keys.ecPublic) : (keys.rsa, keys.rsaPublic)
            let authToken = "jwt,pub-key=\(publicKey),priv-key=\(privateKey),sign-method=\(method),ttl=5m"

            var members: [SecureMember] = []
            defer { for member in members { member.stop() } }
            var endpoints: [String] = []
            for (name, binary) in [("keel", keel), ("etcd", IntegrationPaths.referenceEtcd)] {
                let (client, peer) = (FreePort.next(), FreePort.next())
                let endpoint = "http://127.0.0.1:\(client)"
                let member = try SecureMember(binary: binary, name: name, directory: directory, arguments: [
                    "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                    "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                    "--initial-cluster", "\(name)=http://127.0.0.1:\(peer)", "--auth-token", authToken,
                ])
                members.append(member)
                try member.waitUntilHealthy(endpoint: endpoint, flags: [])
                for setup in [["user", "add", "root:rootpw"], ["auth", "enable"]] {
                    let result = try Ctl.real.run(["--endpoints", endpoint] + setup)
                    #expect(result.exitCode == 0, "\(name) \(setup): \(result)")
                }
                endpoints.append(endpoint)
            }
            let tokens = try endpoints.map { try Self.authenticate($0) }
            for (issuer, token) in tokens.enumerated() {
                #expect(!token.isEmpty, "\(method): no token from \(endpoints[issuer])")
                for endpoint in endpoints {
                    let put = try Self.gatewayPut(endpoint, token: token)
                    #expect(put.contains("\"revision\""), "\(method): token from \(endpoints[issuer]) on \(endpoint): \(put)")
                }
            }
            let forged = Self.tampered(tokens[0])
            for endpoint in endpoints {
                let put = try Self.gatewayPut(endpoint, token: forged)
                #expect(put.contains("invalid auth token"), "\(method): forged token on \(endpoint): \(put)")
            }
        }

        /// The token Authenticate hands out through the JSON gateway ("" when none).
        static func authenticate(_ endpoint: String) throws -> String {
            let result = try runCommand("/usr/bin/curl", ["-s", "--max-time", "5", "-X", "POST", "\(endpoint)/v3/auth/authenticate",
                                                          "-d", #"{"name":"root","password":"rootpw"}"#])
            let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return json?["token"] as? String ?? ""
        }

        static func gatewayPut(_ endpoint: String, token: String) throws -> String {
            try runCommand("/usr/bin/curl", ["-s", "--max-time", "5", "-X", "POST", "\(endpoint)/v3/kv/put", "-H", "Authorization: \(token)",
                                             "-d", #"{"key":"and0","value":"dg=="}"#]).stdout
        }
    }
}

extension JWTTokens {
    /// The provider the member would build from parsed options.
    static func provider(_ tokens: AuthOptions.Tokens) throws -> any AuthTokenProvider {
        var options = AuthOptions()
        options.tokens = tokens
        return try EtcdMember.tokenProvider(options)
    }
}
