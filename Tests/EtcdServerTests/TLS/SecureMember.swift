import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// An etcd process (Keel's or the reference) started with caller-chosen URLs and TLS flags;
    /// `waitUntilHealthy` polls `endpoint health` with the caller's etcdctl TLS flags.
    final class SecureMember {
        let name: String
        let child: ChildProcess

        init(binary: String, name: String, directory: String, arguments: [String]) throws {
            self.name = name
            child = try ChildProcess(executable: binary, arguments: ["--name", name, "--data-dir", directory + "/" + name + ".etcd"] + arguments,
                                     environment: ChildProcess.cleanEnvironment(), outputDirectory: directory,
                                     label: "server-" + name)
        }

        /// Bounded wait for `endpoint health` on `endpoint` (with `flags`) to succeed.
        func waitUntilHealthy(endpoint: String, flags: [String], timeout: Double = 30) throws {
            let deadline = Date().addingTimeInterval(timeout)
            var last = ""
            while Date() < deadline {
                guard child.isRunning else { throw ServerFailure("\(name) exited\n" + log()) }
                let health = try etcdctl(["--endpoints", endpoint, "--dial-timeout=1s", "--command-timeout=2s"] + flags
                                         + ["endpoint", "health"], timeout: 5)
                if health.exitCode == 0 { return }
                last = health.stderr
                usleep(100_000)
            }
            throw ServerFailure("\(name) not healthy after \(Int(timeout)) s: \(last)\n" + log())
        }

        func log() -> String { ChildProcess.read(child.stderrPath) }

        func stop() {
            guard child.isRunning else { return }
            child.signal(SIGTERM)
            if !child.waitForExit(timeout: 10) { child.signal(SIGKILL) }
            child.process.waitUntilExit()
        }

        deinit { stop() }
    }
}
