import Foundation
import Glibc

/// Where the binaries under test are: next to the test bundle (.build/<triple>/debug).
enum Binaries {
    static var buildDirectory: String {
        var path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test runner is inside the build directory; walk up past a .xctest bundle.
        while path.path.contains(".xctest") { path = path.deletingLastPathComponent() }
        return path.path
    }

    static var keelEtcdctl: String { buildDirectory + "/etcdctl" }
    static var keelEtcd: String { buildDirectory + "/etcd" }
    static let realEtcdctl = "/usr/bin/etcdctl"
    static let realEtcd = "/usr/bin/etcd"

    static func exists(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
}

/// One single-member server (the real etcd or Keel's) on loopback ports, with a fresh data dir.
final class TestServer {
    let binary: String
    let clientPort: Int
    let peerPort: Int
    let dataDirectory: String
    private var process: ChildProcess?

    var endpoint: String { "127.0.0.1:\(clientPort)" }

    init(binary: String, clientPort: Int = freeLoopbackPort(), peerPort: Int = freeLoopbackPort(),
         dataDirectory: String? = nil) {
        self.binary = binary
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.dataDirectory = dataDirectory ?? NSTemporaryDirectory() + "keel-ctl-\(getpid())-\(clientPort)-\(UInt32.random(in: 0...UInt32.max))"
    }

    deinit { stop() }

    func start(fresh: Bool = true) throws {
        if fresh { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let client = "http://127.0.0.1:\(clientPort)", peer = "http://127.0.0.1:\(peerPort)"
        process = try ChildProcess([binary, "--data-dir", dataDirectory, "--listen-client-urls", client,
                                    "--advertise-client-urls", client, "--listen-peer-urls", peer,
                                    "--initial-advertise-peer-urls", peer, "--initial-cluster", "default=\(peer)"],
                               stdoutToNull: true)
        try waitUntilServing()
    }

    /// Polls with the real etcdctl until a read succeeds (bounded: about 10 s).
    private func waitUntilServing() throws {
        for _ in 0..<100 {
            let result = try ChildProcess.run([Binaries.realEtcdctl, "--endpoints", endpoint, "--dial-timeout=200ms",
                                               "--command-timeout=300ms", "get", "probe"])
            if result.status == 0 { return }
            usleep(100_000)
        }
        throw POSIXError(.ETIMEDOUT)
    }

    func stop() {
        guard let process else { return }
        _ = process.terminate(signal: SIGTERM)
        self.process = nil
    }

    func removeData() { try? FileManager.default.removeItem(atPath: dataDirectory) }
}
