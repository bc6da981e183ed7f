import Foundation
import Testing

extension EtcdIntegration {
    /// etcd's own Go client (clientv3 3.4) against a member: 32 prefix watchers multiplexed on
    /// one gRPC stream, 2,000 puts from 16 goroutines on one connection; every watcher must get
    /// every put exactly once and in revision order (checked by the Go program itself).
    @Suite(.serialized) struct GoClient {
        @Test func keelServesTheGoClient() throws {
            guard let keel = requireKeelEtcd() else { return }
            try runClientCheck(against: keel)
        }

        @Test(.enabled(if: IntegrationPaths.referenceEtcdInstalled,
                       "reference etcd 3.4 (/usr/bin/etcd, Debian etcd-server) is not installed"))
        func referenceEtcdPassesTheSameCheck() throws {
            try runClientCheck(against: IntegrationPaths.referenceEtcd)
        }

        private func runClientCheck(against binary: String) throws {
            let clientcheck = try GoClientCheck.build()
            let member = try EtcdProcess.start(binary: binary)
            defer { member.destroy() }
            let result = try runCommand(clientcheck, ["-endpoint", member.endpoint, "-mode", "watch",
                                                      "-watchers", "32", "-puts", "2000", "-goroutines", "16",
                                                      "-timeout", "60s"], timeout: 90)
            #expect(result.exitCode == 0 && result.stdout.hasPrefix("OK"),
                    "clientcheck against \(binary) failed (exit \(result.exitCode)):\n\(result.stdout)\(result.stderr)\n\(member.stderrTail())")
        }
    }
}
