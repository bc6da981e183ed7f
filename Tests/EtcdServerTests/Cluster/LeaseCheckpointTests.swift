import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// Lease checkpoints (--experimental-enable-lease-checkpoint): the leader proposes the
    /// remaining TTLs, so a lease keeps counting down across a leader change instead of
    /// starting again from its full TTL.
    @Suite(.serialized) struct LeaseCheckpoints {
        @Test func remainingTTLSurvivesALeaderChange() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            cluster.extraArguments = ["--experimental-enable-lease-checkpoint=true", "--experimental-lease-checkpoint-interval=1s"]
            defer { cluster.destroy() }
            try cluster.startAll()
            let leader = try #require(try cluster.agreedLeader(), "members never agreed on a leader\n\(cluster.logs())")
            let follower = try #require(cluster.nodes.first { $0 !== leader })

            let grant = try etcdctl(["--endpoints", leader.endpoint, "lease", "grant", "60"])
            let leaseID = try #require(grant.stdout.split(separator: " ").dropFirst().first.map(String.init), "\(grant.stderr)")
            let granted = Date()
            // Several checkpoint intervals pass before the leader dies.
            usleep(8_000_000)
            cluster.crash(leader)

            let newLeader = try #require(try cluster.agreedLeader(timeout: 30), "no new leader\n\(cluster.logs())")
            #expect(newLeader !== leader)
            let ttl = try etcdctl(["--endpoints", follower.endpoint, "lease", "timetolive", leaseID])
            let remaining = try #require(Self.remainingSeconds(ttl.stdout), "\(ttl.stdout) \(ttl.stderr)")
            let elapsed = Int(Date().timeIntervalSince(granted))
            print("lease remaining after the leader change: \(remaining) s, \(elapsed) s after the grant")
            // Reset would give 59-60 s; a checkpoint gives at most 60 minus the time before it.
            #expect(remaining > 0 && remaining <= 56, "\(ttl.stdout)")
            #expect(ttl.stdout.contains("granted with TTL(60s)"), "\(ttl.stdout)")
        }

        /// "lease 694d77aa9e38260f granted with TTL(60s), remaining(52s)" → 52.
        static func remainingSeconds(_ text: String) -> Int? {
            guard let start = text.range(of: "remaining(")?.upperBound,
                  let end = text[start...].range(of: "s)")?.lowerBound else { return nil }
            return Int(text[start..<end])
        }
    }
}

extension EtcdIntegration {
    /// A watch that requires a leader (etcdctl sets `hasleader: true`) ends with etcd's "no
    /// leader" error once its member has been without a leader for a few election timeouts.
    @Suite(.serialized) struct RequireLeaderWatch {
        @Test func watchEndsWhenTheMemberLosesItsLeader() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()
            let watched = cluster.nodes[0]
            let put = try etcdctl(["--endpoints", watched.endpoint, "put", "foo", "bar"])
            #expect(put.exitCode == 0, "\(put.stderr)")
            // The watch starts at revision 1, so it shows the put once it is established.
            let watch = try ChildProcess(executable: IntegrationPaths.realEtcdctl,
                                         arguments: ["--endpoints", watched.endpoint, "watch", "foo", "--rev=1"],
                                         environment: ChildProcess.cleanEnvironment(adding: ["ETCDCTL_API": "3"]),
                                         outputDirectory: cluster.root, label: "watch")
            defer { if watch.process.isRunning { watch.signal(SIGKILL) } }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !watch.currentStdout().contains("bar") { usleep(50_000) }
            #expect(watch.currentStdout() == "PUT\nfoo\nbar\n", "\(watch.currentStderr())")

            for node in cluster.nodes.dropFirst() { cluster.crash(node) }
            let result = watch.finish(timeout: 20)
            #expect(!result.timedOut, "the watch outlived the leader\n\(cluster.stderrTail(watched))")
            #expect(result.exitCode == 5, "\(result.stderr)")
            #expect(result.stderr == "watch was canceled (etcdserver: no leader)\nError: watch is canceled by the server\n", "\(result.stderr)")
        }
    }
}
