import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// Keel over TLS, driven by the real etcdctl 3.4 and Keel's etcdctl with etcd's flags:
    /// https client URLs (server-authenticated, then mutual with a CRL), an http listener beside
    /// an https one, auto-TLS, and a three-member cluster whose peers talk TLS. Certificates are
    /// made with the openssl CLI for each test.
    @Suite struct TLS {
        static var keelEtcdctlBuilt: Bool { FileManager.default.isExecutableFile(atPath: Ctl.keel.path) }

        static func requireBinaries() -> String? {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return nil }
            guard keelEtcdctlBuilt else {
                Issue.record("Keel's etcdctl not found at \(Ctl.keel.path): swift build --product etcdctl")
                return nil
            }
            return binary
        }

        @Test func httpsAndHTTPListenersSideBySide() throws {
            guard let binary = Self.requireBinaries() else { return }
            let pki = try TLSFixtures.make()
            defer { pki.remove() }
            let (secure, plain, peer) = (FreePort.next(), FreePort.next(), FreePort.next())
            let https = "https://127.0.0.1:\(secure)"
            let member = try SecureMember(binary: binary, name: "tls1", directory: pki.directory, arguments: [
                "--listen-client-urls", "\(https),http://127.0.0.1:\(plain)", "--advertise-client-urls", https,
                "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                "--initial-cluster", "tls1=http://127.0.0.1:\(peer)",
                "--cert-file", pki.serverCert, "--key-file", pki.serverKey,
            ])
            defer { member.stop() }
            try member.waitUntilHealthy(endpoint: https, flags: ["--cacert", pki.ca])

            for ctl in Ctl.allCases {
                let put = try ctl.run(["--endpoints", https, "--cacert", pki.ca, "put", "greeting-\(ctl.rawValue)", "hello"])
                #expect(put.exitCode == 0 && put.stdout == "OK\n", "\(ctl): \(put)")
                let get = try ctl.run(["--endpoints", https, "--cacert", pki.ca, "get", "greeting-\(ctl.rawValue)", "--print-value-only"])
                #expect(get.stdout == "hello\n", "\(ctl): \(get)")
                // The server's certificate is not trusted without the CA.
                let untrusted = try ctl.run(["--endpoints", https, "get", "greeting-\(ctl.rawValue)"])
                #expect(untrusted.exitCode != 0 && untrusted.stdout.isEmpty, "\(ctl): \(untrusted)")
                // The plain listener serves the same data without TLS.
                let viaHTTP = try ctl.run(["--endpoints", "http://127.0.0.1:\(plain)", "get", "greeting-\(ctl.rawValue)", "--print-value-only"])
                #expect(viaHTTP.stdout == "hello\n", "\(ctl): \(viaHTTP)")
                // Plain gRPC to the https port is refused (it is not a TLS handshake).
                let plainToTLS = try ctl.run(["--endpoints", "http://127.0.0.1:\(secure)", "get", "greeting-\(ctl.rawValue)"])
                #expect(plainToTLS.exitCode != 0, "\(ctl): \(plainToTLS)")
            }
            // The JSON gateway answers HTTP/1.1 on the https port (curl offers h2 and http/1.1).
            let health = try runCommand("/usr/bin/curl", ["-s", "--max-time", "5", "--cacert", pki.ca, "\(https)/health"])
            #expect(health.stdout == "{\"health\":\"true\"}", "\(health)")
            #expect(member.log().contains("serving client traffic securely"))
        }

        /// The same flags against Keel and, when installed, the reference etcd: the same outcomes.
        @Test(arguments: ["keel", "reference"])
        func clientCertificatesAreRequiredAndRevocationIsHonoured(_ server: String) throws {
            let binary: String
            if server == "keel" {
                guard let keel = Self.requireBinaries() else { return }
                binary = keel
            } else {
                guard IntegrationPaths.referenceEtcdInstalled, Self.keelEtcdctlBuilt else { return }
                binary = IntegrationPaths.referenceEtcd
            }
            let pki = try TLSFixtures.make()
            defer { pki.remove() }
            let (secure, peer) = (FreePort.next(), FreePort.next())
            let https = "https://127.0.0.1:\(secure)"
            let member = try SecureMember(binary: binary, name: "mtls", directory: pki.directory, arguments: [
                "--listen-client-urls", https, "--advertise-client-urls", https,
                "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                "--initial-cluster", "mtls=http://127.0.0.1:\(peer)",
                "--cert-file", pki.serverCert, "--key-file", pki.serverKey,
                "--trusted-ca-file", pki.ca, "--client-cert-auth", "--client-crl-file", pki.crl,
            ])
            defer { member.stop() }
            let alice = ["--cacert", pki.ca, "--cert", pki.clientCert, "--key", pki.clientKey]
            try member.waitUntilHealthy(endpoint: https, flags: alice)

            for ctl in Ctl.allCases {
                let put = try ctl.run(["--endpoints", https] + alice + ["put", "k-\(ctl.rawValue)", "v"])
                #expect(put.exitCode == 0 && put.stdout == "OK\n", "\(server) \(ctl): \(put)")
                let noCertificate = try ctl.run(["--endpoints", https, "--cacert", pki.ca, "get", "k-\(ctl.rawValue)"])
                #expect(noCertificate.exitCode != 0 && noCertificate.stdout.isEmpty, "\(server) \(ctl): \(noCertificate)")
                let revoked = try ctl.run(["--endpoints", https, "--cacert", pki.ca, "--cert", pki.revokedCert,
                                           "--key", pki.revokedKey, "get", "k-\(ctl.rawValue)"])
                #expect(revoked.exitCode != 0 && revoked.stdout.isEmpty, "\(server) \(ctl): \(revoked)")
            }

            // A client stuck halfway through a handshake, and one sending garbage, disturb nobody.
            let stuck = try ChildProcess(executable: "/bin/bash",
                                         arguments: ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(secure); printf '\\x16\\x03\\x01' >&3; sleep 15"],
                                         environment: ChildProcess.cleanEnvironment(), outputDirectory: pki.directory, label: "stuck")
            defer {
                stuck.signal(SIGKILL)
                stuck.process.waitUntilExit()
            }
            // The server closes it (cat ends: EOF or reset) rather than waiting (timeout's 124).
            let garbage = try runCommand("/bin/bash", ["-c", "trap '' PIPE; exec 3<>/dev/tcp/127.0.0.1/\(secure); printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; timeout 5 cat <&3 >/dev/null; [ $? -ne 124 ]"])
            #expect(garbage.exitCode == 0, "the server should close a connection that sent garbage: \(garbage)")
            for ctl in Ctl.allCases {
                let get = try ctl.run(["--endpoints", https] + alice + ["get", "k-real", "--print-value-only"])
                #expect(get.stdout == "v\n", "\(server) \(ctl): \(get)")
            }
            #expect(member.log().contains("rejected connection"), "\(server): handshake failures are logged")
        }

        @Test func autoTLSServesWithAGeneratedCertificate() throws {
            guard let binary = Self.requireBinaries() else { return }
            let pki = try TLSFixtures.make()  // only for its directory
            defer { pki.remove() }
            let (secure, peer) = (FreePort.next(), FreePort.next())
            let https = "https://127.0.0.1:\(secure)"
            let member = try SecureMember(binary: binary, name: "auto", directory: pki.directory, arguments: [
                "--listen-client-urls", https, "--advertise-client-urls", https,
                "--listen-peer-urls", "https://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "https://127.0.0.1:\(peer)",
                "--initial-cluster", "auto=https://127.0.0.1:\(peer)", "--auto-tls", "--peer-auto-tls",
            ])
            defer { member.stop() }
            let skip = ["--insecure-transport=false", "--insecure-skip-tls-verify"]
            try member.waitUntilHealthy(endpoint: https, flags: skip)
            for ctl in Ctl.allCases {
                let put = try ctl.run(["--endpoints", https] + skip + ["put", "auto-\(ctl.rawValue)", "tls"])
                #expect(put.stdout == "OK\n", "\(ctl): \(put)")
            }
            let dataDir = pki.directory + "/auto.etcd"
            for side in ["client", "peer"] {
                #expect(FileManager.default.fileExists(atPath: "\(dataDir)/fixtures/\(side)/cert.pem"))
                #expect(FileManager.default.fileExists(atPath: "\(dataDir)/fixtures/\(side)/key.pem"))
            }
        }

        @Test func unknownCipherSuiteStopsTheServerWithEtcdsError() throws {
            guard let binary = Self.requireBinaries() else { return }
            let pki = try TLSFixtures.make()
            defer { pki.remove() }
            let result = try runCommand(binary, ["--data-dir", pki.directory + "/bad.etcd", "--cipher-suites", "TLS_NOT_A_SUITE",
                                                 "--listen-client-urls", "http://127.0.0.1:\(FreePort.next())",
                                                 "--advertise-client-urls", "http://127.0.0.1:2379"], timeout: 10)
            #expect(result.exitCode != 0)
            #expect(result.stderr.contains("unexpected TLS cipher suite \\\"TLS_NOT_A_SUITE\\\""), "\(result.stderr)")
        }

        /// Three members whose peer URLs are https with --peer-client-cert-auth, and whose client
        /// URLs are https with --client-cert-auth: writes replicate to every member, and a
        /// follower forwards lease requests to the leader over TLS.
        @Test func peerTLSClusterReplicatesWrites() throws {
            guard let binary = Self.requireBinaries() else { return }
            let pki = try TLSFixtures.make()
            defer { pki.remove() }
            let names = ["p1", "p2", "p3"]
            let clientPorts = names.map { _ in FreePort.next() }
            let peerPorts = names.map { _ in FreePort.next() }
            let initialCluster = zip(names, peerPorts).map { "\($0)=https://127.0.0.1:\($1)" }.joined(separator: ",")
            var members: [SecureMember] = []
            defer { for member in members { member.stop() } }
            for (index, name) in names.enumerated() {
                let client = "https://127.0.0.1:\(clientPorts[index])"
                let peer = "https://127.0.0.1:\(peerPorts[index])"
                members.append(try SecureMember(binary: binary, name: name, directory: pki.directory, arguments: [
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", initialCluster, "--initial-cluster-token", "tls-cluster",
                    "--cert-file", pki.serverCert, "--key-file", pki.serverKey,
                    "--trusted-ca-file", pki.ca, "--client-cert-auth",
                    "--peer-cert-file", pki.serverCert, "--peer-key-file", pki.serverKey,
                    "--peer-trusted-ca-file", pki.ca, "--peer-client-cert-auth", "--peer-cert-allowed-cn", "server",
                ]))
            }
            let alice = ["--cacert", pki.ca, "--cert", pki.clientCert, "--key", pki.clientKey]
            let endpoints = clientPorts.map { "https://127.0.0.1:\($0)" }
            for (member, endpoint) in zip(members, endpoints) {
                try member.waitUntilHealthy(endpoint: endpoint, flags: alice)
            }
            let put = try Ctl.real.run(["--endpoints", endpoints[0]] + alice + ["put", "replicated", "over-tls"])
            #expect(put.stdout == "OK\n", "\(put)")
            for (index, endpoint) in endpoints.enumerated() {
                // A serializable read answers from the member's own store: it saw the write.
                var value = ""
                let deadline = Date().addingTimeInterval(10)
                while value != "over-tls\n" && Date() < deadline {
                    let get = try Ctl.keel.run(["--endpoints", endpoint] + alice + ["get", "replicated", "--consistency=s", "--print-value-only"])
                    value = get.stdout
                    if value != "over-tls\n" { usleep(100_000) }
                }
                #expect(value == "over-tls\n", "member \(names[index])")
            }
            let grant = try Ctl.real.run(["--endpoints", endpoints[0]] + alice + ["lease", "grant", "600"])
            let leaseID = grant.stdout.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            #expect(grant.exitCode == 0 && !leaseID.isEmpty, "\(grant)")
            for endpoint in endpoints {
                let ttl = try Ctl.real.run(["--endpoints", endpoint] + alice + ["lease", "timetolive", leaseID])
                #expect(ttl.exitCode == 0 && ttl.stdout.contains("granted with TTL(600s)"), "\(endpoint): \(ttl)")
            }
            for member in members {
                #expect(!member.log().contains("rejected peer connection"), "\(member.name) refused a peer")
            }
        }
    }
}
