import Foundation
import Testing

extension EtcdIntegration {
    @Suite struct CertificateUsers {
        /// --client-cert-auth with auth enabled: a request without a token acts as the user named by
        /// its client certificate's common name ("alice", allowed to read app/ only), for unary
        /// calls and for watches; a token still wins. Keel and the reference etcd run the same
        /// script with the real etcdctl and must print the same.
        @Test func certificateCommonNameIsTheUserWithoutAToken() throws {
            guard let keel = TLS.requireBinaries() else { return }
            guard IntegrationPaths.referenceEtcdInstalled else {
                Issue.record("the reference etcd is not installed at \(IntegrationPaths.referenceEtcd)")
                return
            }
            let keelOutputs = try Self.certificateUserScript(binary: keel)
            let etcdOutputs = try Self.certificateUserScript(binary: IntegrationPaths.referenceEtcd)
            #expect(keelOutputs.count == etcdOutputs.count)
            for (step, (ours, theirs)) in zip(keelOutputs, etcdOutputs).enumerated() {
                #expect(ours == theirs, "step \(step): Keel \(ours) vs etcd \(theirs)")
            }
            // What a user would check, beyond "the same as etcd".
            #expect(keelOutputs.contains("get app/x: 0 app/x\nhello\n "))
            #expect(keelOutputs.contains("put app/x: 1  Error: etcdserver: permission denied\n"))
        }

        /// Runs the script against one server; each step as "<step>: <exit> <stdout> <stderr>".
        static func certificateUserScript(binary: String) throws -> [String] {
            let pki = try TLSFixtures.make()
            defer { pki.remove() }
            let (secure, peer) = (FreePort.next(), FreePort.next())
            let https = "https://127.0.0.1:\(secure)"
            let member = try SecureMember(binary: binary, name: "cn", directory: pki.directory, arguments: [
                "--listen-client-urls", https, "--advertise-client-urls", https,
                "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                "--initial-cluster", "cn=http://127.0.0.1:\(peer)",
                "--cert-file", pki.serverCert, "--key-file", pki.serverKey,
                "--trusted-ca-file", pki.ca, "--client-cert-auth",
            ])
            defer { member.stop() }
            let alice = ["--endpoints", https, "--cacert", pki.ca, "--cert", pki.clientCert, "--key", pki.clientKey]
            try member.waitUntilHealthy(endpoint: https, flags: Array(alice.dropFirst(2)))

            var outputs: [String] = []
            func step(_ label: String, _ arguments: [String]) throws {
                let result = try Ctl.real.run(alice + arguments)
                outputs.append("\(label): \(result.exitCode) \(result.stdout) \(Self.withoutTimestamps(result.stderr))")
            }
            try step("add root", ["user", "add", "root:rootpw"])
            try step("add alice", ["user", "add", "alice:alicepw"])
            try step("add role", ["role", "add", "app-reader"])
            try step("grant read", ["role", "grant-permission", "app-reader", "--prefix=true", "read", "app/"])
            try step("grant role", ["user", "grant-role", "alice", "app-reader"])
            try step("enable", ["auth", "enable"])
            try step("root put", ["--user", "root:rootpw", "put", "app/x", "hello"])
            try step("get app/x", ["get", "app/x"])
            try step("put app/x", ["put", "app/x", "changed"])
            try step("get other", ["get", "other"])
            // A token takes precedence over the certificate: root may write.
            try step("root put 2", ["--user", "root:rootpw", "put", "other", "v"])
            try step("bad password", ["--user", "root:wrong", "get", "app/x"])
            // A watch stream: alice sees app/x's history, and is refused another key.
            try watchStep("watch app/x", alice + ["watch", "--rev=1", "app/x"], outputs: &outputs, directory: pki.directory)
            try watchStep("watch other", alice + ["watch", "--rev=1", "other"], outputs: &outputs, directory: pki.directory)
            return outputs
        }

        /// etcdctl watch runs until stopped: stop it after a moment and keep what it printed.
        static func watchStep(_ label: String, _ arguments: [String], outputs: inout [String], directory: String) throws {
            let result = try runCommand("/usr/bin/timeout", ["2", Ctl.real.path] + arguments,
                                        environment: etcdctlEnvironment, timeout: 20, outputDirectory: directory)
            outputs.append("\(label): \(result.stdout) \(Self.withoutTimestamps(result.stderr))")
        }

        /// etcdctl's retry warnings start with a time: drop those lines, keep the messages.
        static func withoutTimestamps(_ text: String) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains("retrying of unary invoker failed") }.joined(separator: "\n")
        }
    }
}
