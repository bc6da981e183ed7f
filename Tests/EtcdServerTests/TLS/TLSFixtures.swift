import Foundation

extension EtcdIntegration {
    /// A throwaway PKI made with the `openssl` CLI: a CA; a server certificate for
    /// 127.0.0.1/localhost (also usable as a client certificate, as etcd's docs recommend for
    /// members); a client certificate (CN "alice"); a revoked client certificate (CN "mallory")
    /// listed in `crl.pem`.
    struct TLSFixtures {
        let directory: String
        var ca: String { directory + "/ca.pem" }
        var serverCert: String { directory + "/server.pem" }
        var serverKey: String { directory + "/server-key.pem" }
        var clientCert: String { directory + "/client.pem" }
        var clientKey: String { directory + "/client-key.pem" }
        var revokedCert: String { directory + "/revoked.pem" }
        var revokedKey: String { directory + "/revoked-key.pem" }
        var crl: String { directory + "/crl.pem" }

        static func make() throws -> TLSFixtures {
            let directory = IntegrationPaths.freshDirectory("tls")
            let script = """
            set -e
            cd "$1"
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj "/CN=keel-test-ca"
            leaf() {
              openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1-key.pem -out $1.csr -subj "/CN=$2"
              printf "subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\nbasicConstraints=CA:FALSE\\n" > $1.ext
              openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out $1.pem -days 2 -extfile $1.ext
            }
            leaf server server; leaf client alice; leaf revoked mallory
            printf "[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\ndefault_md=sha256\\ndefault_crl_days=2\\n" > ca.cnf
            : > index.txt; echo 01 > crlnumber
            openssl ca -config ca.cnf -keyfile ca-key.pem -cert ca.pem -revoke revoked.pem
            openssl ca -config ca.cnf -keyfile ca-key.pem -cert ca.pem -gencrl -out crl.pem
            """
            let result = try runCommand("/bin/bash", ["-c", script, "gen", directory], timeout: 30)
            guard result.exitCode == 0 else {
                throw ServerFailure("openssl could not make the test certificates (exit \(result.exitCode)): \(result.stderr)")
            }
            return TLSFixtures(directory: directory)
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Which etcdctl runs a command: the real one (3.4) or Keel's.
    enum Ctl: String, CaseIterable, CustomStringConvertible {
        case real, keel
        var description: String { rawValue + " etcdctl" }

        var path: String {
            switch self {
            case .real: return IntegrationPaths.realEtcdctl
            case .keel: return IntegrationPaths.testExecutableDirectory() + "/etcdctl"
            }
        }

        /// Runs the command with short timeouts (refusals end in a deadline, not a hang).
        func run(_ arguments: [String]) throws -> CommandResult {
            try runCommand(path, ["--dial-timeout=1s", "--command-timeout=2s"] + arguments,
                           environment: etcdctlEnvironment, timeout: 20)
        }
    }
}
