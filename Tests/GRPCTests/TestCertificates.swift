import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PKI made with the `openssl` CLI in a temp directory: a CA, a server certificate
/// for 127.0.0.1/localhost, a client certificate (CN "alice"), and a certificate signed by an
/// unrelated CA (CN "eve").
struct TestCertificates {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server-key.pem" }
    var clientCert: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client-key.pem" }
    var strangerCert: String { directory + "/stranger.pem" }
    var strangerKey: String { directory + "/stranger-key.pem" }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func make() throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "keel-tls-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
        set -e
        cd "$1"
        ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1-key.pem -out $1.pem -days 2 -subj "/CN=$2"; }
        leaf() {
          openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1-key.pem -out $1.csr -subj "/CN=$2"
          printf "subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n" > $1.ext
          openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3-key.pem -CAcreateserial -out $1.pem -days 2 -extfile $1.ext
        }
        ca ca keel-test-ca; ca otherca other-ca
        leaf server server ca; leaf client alice ca; leaf stranger eve otherca
        """
        // system(3), not Foundation's Process: Process leaks a weak reference per run, which
        // fails this target's AddressSanitizer run in CI.
        let scriptPath = directory + "/make-certificates.sh"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let status = system("/bin/bash '\(scriptPath)' '\(directory)' >/dev/null 2>&1")
        guard status == 0 else {
            throw Failure(description: "openssl failed making test certificates (is the openssl CLI installed?)")
        }
        return TestCertificates(directory: directory)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
