import Foundation

extension EtcdIntegration {
    /// Builds Tests/EtcdServerTests/go/clientcheck with Go in GOPATH mode against Debian's
    /// golang-etcd-server-dev (clientv3 3.4), once per source version: the binary is cached in the
    /// temp directory under a name derived from the source's contents.
    enum GoClientCheck {
        static let gopath = "/usr/share/gocode"
        static let clientv3Source = gopath + "/src/go.etcd.io/etcd/clientv3"

        static func goExecutable() -> String? {
            for candidate in ["/usr/bin/go", "/usr/local/go/bin/go", "/usr/lib/go/bin/go"]
            where FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            return nil
        }

        /// The path of a built clientcheck, or an explanation of what is missing.
        static func build() throws -> String {
            guard let go = goExecutable() else {
                throw MissingBinary(message: "Go toolchain not found: apt-get install golang-go")
            }
            guard FileManager.default.fileExists(atPath: clientv3Source) else {
                throw MissingBinary(message: "\(clientv3Source) missing: apt-get install golang-etcd-server-dev")
            }
            let source = IntegrationPaths.goSourceDirectory("clientcheck")
            let contents = FileManager.default.contents(atPath: source + "/main.go") ?? Data()
            let cacheDir = NSTemporaryDirectory() + "keel-itest-go"
            let binary = cacheDir + "/clientcheck-\(fingerprint(contents))"
            if FileManager.default.isExecutableFile(atPath: binary) { return binary }
            try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
            let partial = binary + ".partial-\(getpid())"
            let env = ChildProcess.cleanEnvironment(adding: [
                "GOPATH": gopath, "GO111MODULE": "off", "GOFLAGS": "",
                "GOCACHE": cacheDir + "/gocache", "HOME": cacheDir,
            ])
            // `go build` resolves "." from the working directory: run it through the shell's cd.
            let result = try runCommand("/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" build -o \"$3\" .", "sh", source, go, partial],
                                        environment: env, timeout: 300)
            guard result.exitCode == 0 else {
                throw ServerFailure("go build of \(source) failed (exit \(result.exitCode)):\n\(result.stdout)\(result.stderr)")
            }
            try? FileManager.default.removeItem(atPath: binary)
            try FileManager.default.moveItem(atPath: partial, toPath: binary)
            return binary
        }

        /// FNV-1a of the source: enough to tell versions of one file apart.
        static func fingerprint(_ data: Data) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return String(hash, radix: 16)
        }
    }
}
