import Foundation
import Testing

extension EtcdIntegration.TLS {
    /// Keel and the reference etcd started with the same --auth-token jwt key pair and the same
    /// auth setup: a token either one issues is accepted by the other, and a forged one by neither.
    @Test(arguments: ["RS256", "PS256", "ES256"])
    func asymmetricJWTsAreInterchangeableWithEtcd(_ method: String) throws {
        guard let keel = Self.requireBinaries() else { return }
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
