import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// SIGQUIT ends etcd at once with status 2 (the Go runtime's behaviour); found by the chaos
    /// nemesis's replaceMember step, where Keel printed a backtrace and then hung.
    @Suite struct QuitSignal {
        @Test func sigquitEndsTheMemberAtOnceWithStatus2() throws {
            guard let keel = requireKeelEtcd() else { return }
            try expectQuits(binary: keel)
        }

        /// The reference shows what a user expects.
        @Test(.enabled(if: IntegrationPaths.referenceEtcdInstalled,
                       "reference etcd 3.4 (/usr/bin/etcd, Debian etcd-server) is not installed"))
        func referenceEtcdQuitsWithStatus2() throws {
            try expectQuits(binary: IntegrationPaths.referenceEtcd)
        }

        private func expectQuits(binary: String) throws {
            let member = try EtcdProcess.start(binary: binary, name: "quit")
            defer { member.destroy() }
            let child = try #require(member.child)
            child.signal(SIGQUIT)
            let exited = child.waitForExit(timeout: 10)
            #expect(exited, "\(binary) still running 10 s after SIGQUIT\n\(member.stderrTail())")
            guard exited else { return }
            #expect(child.process.terminationStatus == 2)
            #expect(member.stderrTail(lines: 1_000_000).contains("SIGQUIT: quit"))
        }
    }
}
