import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// One etcd member (Keel's or the reference) on free loopback ports with its own data dir.
    /// Start it, talk to `endpoint`, stop it with SIGTERM (`stop`) or SIGKILL (`crash`), and
    /// `launch` it again on the same data dir and ports.
    final class EtcdProcess {
        let binary: String
        let name: String
        let dataDir: String
        let clientPort: UInt16
        let peerPort: UInt16
        /// Flags beyond the member's identity, URLs and data dir (e.g. --quota-backend-bytes).
        let extraArguments: [String]
        /// Variables added to the cleaned environment (e.g. a test-only disk fault mode).
        let environment: [String: String]
        private(set) var child: ChildProcess?
        /// Every stderr file this member wrote, one per start, oldest first.
        private(set) var stderrPaths: [String] = []

        var endpoint: String { "127.0.0.1:\(clientPort)" }
        var clientURL: String { "http://127.0.0.1:\(clientPort)" }
        var peerURL: String { "http://127.0.0.1:\(peerPort)" }

        /// Starts a member with a fresh data dir and waits until it serves reads.
        static func start(binary: String, name: String = "itest", extraArguments: [String] = [],
                          environment: [String: String] = [:]) throws -> EtcdProcess {
            let member = EtcdProcess(binary: binary, name: name, extraArguments: extraArguments, environment: environment)
            try member.launch()
            return member
        }

        private init(binary: String, name: String, extraArguments: [String], environment: [String: String] = [:]) {
            self.extraArguments = extraArguments
            self.environment = environment
            self.binary = binary
            self.name = name
            self.dataDir = IntegrationPaths.freshDirectory("data") + "/" + name + ".etcd"
            self.clientPort = FreePort.next()
            self.peerPort = FreePort.next()
        }

        var arguments: [String] {
            [
                "--name", name, "--data-dir", dataDir,
                "--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
                "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
                "--initial-cluster", "\(name)=\(peerURL)",
            ] + extraArguments
        }

        /// Starts the binary on the same data dir and ports, then waits for health.
        func launch() throws {
            precondition(child == nil || child?.isRunning == false, "member already running")
            let process = try ChildProcess(executable: binary, arguments: arguments,
                                           environment: ChildProcess.cleanEnvironment(adding: environment),
                                           outputDirectory: URL(fileURLWithPath: dataDir).deletingLastPathComponent().path,
                                           label: "server")
            child = process
            stderrPaths.append(process.stderrPath)
            try waitUntilServing()
        }

        /// Bounded wait: the port accepts connections and `etcdctl endpoint health` succeeds.
        func waitUntilServing(timeout: Double = 30) throws {
            let deadline = Date().addingTimeInterval(timeout)
            var last = "never accepted a connection on \(endpoint)"
            while Date() < deadline {
                guard let child, child.isRunning else {
                    throw ServerFailure("\(binary) exited before serving (status \(child?.process.terminationStatus ?? -1))\n"
                                        + stderrTail())
                }
                if FreePort.accepts(clientPort) {
                    let health = try etcdctl(["--endpoints", endpoint, "--command-timeout=2s", "endpoint", "health"], timeout: 5)
                    if health.exitCode == 0 { return }
                    last = "endpoint health: exit \(health.exitCode): \(health.stderr)"
                }
                usleep(50_000)
            }
            throw ServerFailure("\(binary) not serving after \(Int(timeout)) s (\(last))\n" + stderrTail())
        }

        /// SIGTERM, then SIGKILL if it has not exited within `timeout` seconds. Returns whether
        /// it stopped on its own (false: it needed the SIGKILL).
        @discardableResult
        func stop(timeout: Double = 10) -> Bool {
            guard let child else { return true }
            child.signal(SIGTERM)
            let exited = child.waitForExit(timeout: timeout)
            if !exited { child.signal(SIGKILL) }
            child.process.waitUntilExit()
            return exited
        }

        /// Stops the member and deletes its data dir and logs (etcd preallocates 64 MB WAL files:
        /// leaving them would fill /tmp run after run).
        func destroy() {
            stop()
            // KEEL_ITEST_KEEP=1 keeps data dirs and server logs for a post-mortem.
            guard ProcessInfo.processInfo.environment["KEEL_ITEST_KEEP"] != "1" else { return }
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: dataDir).deletingLastPathComponent().path)
        }

        /// kill -9: no chance to flush anything. (`SIGUSR2` with KEEL_DISK_FAULTS=lostUnsynced:
        /// the member drops what its WAL had not fsynced, then kills itself.)
        func crash(signal: Int32 = SIGKILL) {
            guard let child else { return }
            child.signal(signal)
            child.process.waitUntilExit()
        }

        /// The last lines of the current stderr file, for failure messages.
        func stderrTail(lines: Int = 30) -> String {
            guard let path = stderrPaths.last else { return "" }
            let all = ChildProcess.read(path).split(separator: "\n", omittingEmptySubsequences: false)
            return "--- last \(lines) lines of \(path) ---\n" + all.suffix(lines).joined(separator: "\n")
        }

        deinit { stop(timeout: 5) }
    }

    struct ServerFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
