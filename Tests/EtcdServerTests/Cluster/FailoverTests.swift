import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// What clients of a follower see when the leader dies, and what a paused (SIGSTOP) leader
    /// may do when it wakes up in a cluster that moved on without it.
    @Suite(.serialized) struct Failover {
        /// PUT events as (key, value) pairs from `etcdctl watch` simple output.
        static func events(_ output: String) -> [String] {
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var events: [String] = []
            var i = 0
            while i + 2 < lines.count {
                if lines[i] == "PUT" { events.append(lines[i + 1] + "=" + lines[i + 2]); i += 3 } else { i += 1 }
            }
            return events
        }

        static func revision(_ node: ClusterProcesses.Node) throws -> UInt64? {
            let get = try etcdctl(["--endpoints", node.endpoint, "get", "none", "-w", "json"])
            return MemberFacts.firstNumber(after: "\"revision\":", in: get.stdout)
        }

        @Test func aWatcherOnAFollowerSeesEveryEventOnceInOrderAcrossALeaderChange() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()
            let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let followers = cluster.nodes.filter { $0 !== leader }
            let start = try #require(try Self.revision(followers[0]))
            // From the next revision on, so the watch misses nothing however late it starts.
            let watcher = try startEtcdctl(["--endpoints", followers[0].endpoint, "watch", "w/", "--prefix", "--rev=\(start + 1)"])
            defer { watcher.signal(SIGKILL) }

            for i in 0..<40 {
                let put = try etcdctl(["--endpoints", followers[i % 2].endpoint, "put", String(format: "w/%03d", i), "v\(i)"])
                #expect(put.exitCode == 0, "\(put.stderr)")
            }
            cluster.crash(leader)
            // Retried puts may apply twice (a timed-out attempt can still commit): the history
            // read below says what happened, and the watcher must have seen exactly that.
            for i in 40..<80 {
                let took = try cluster.putRetrying(String(format: "w/%03d", i), "v\(i)", via: followers[i % 2], timeout: 30)
                #expect(took != nil, "write \(i) never acknowledged\n\(cluster.logs())")
            }

            let history = try etcdctl(["--endpoints", followers[1].endpoint, "watch", "w/", "--prefix", "--rev=\(start + 1)"],
                                      timeout: 3)
            let expected = Self.events(history.stdout)
            #expect(expected.count >= 80)
            let deadline = Date().addingTimeInterval(20)
            while Self.events(watcher.currentStdout()).count < expected.count && Date() < deadline { usleep(100_000) }
            watcher.signal(SIGINT)
            let seen = Self.events(watcher.finish(timeout: 5).stdout)
            #expect(seen == expected, "the watcher's events differ from the history")
            let keys = Set(seen.map { $0.split(separator: "=")[0] })
            #expect(keys.count == 80, "some acknowledged write has no event")
        }

        @Test func aPausedLeaderNeitherServesStaleReadsNorAcknowledgesLostWrites() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer {
                for node in cluster.nodes { node.child?.signal(SIGCONT) }
                cluster.destroy()
            }
            try cluster.startAll()
            let put = try etcdctl(["--endpoints", cluster.nodes[0].endpoint, "put", "k", "old"])
            #expect(put.exitCode == 0, "\(put.stderr)")
            let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let oldLeaderID = try #require(try cluster.status(leader)?.memberID)
            let others = cluster.nodes.filter { $0 !== leader }

            leader.child?.signal(SIGSTOP)
            // Paused, it answers nothing within a client's deadline.
            let whilePaused = try etcdctl(["--endpoints", leader.endpoint, "--command-timeout=1s", "get", "k"], timeout: 10)
            #expect(whilePaused.exitCode != 0, "a paused member answered: \(whilePaused.stdout)")
            // The others elect a leader among themselves and take a write.
            var newLeader: UInt64 = 0
            let deadline = Date().addingTimeInterval(20)
            while (newLeader == 0 || newLeader == oldLeaderID) && Date() < deadline {
                newLeader = try cluster.status(others[0])?.leader ?? 0
                if newLeader == 0 || newLeader == oldLeaderID { usleep(100_000) }
            }
            #expect(newLeader != 0 && newLeader != oldLeaderID, "no new leader while the old one was paused\n\(cluster.logs())")
            #expect(try cluster.putRetrying("k", "new", via: others[0], timeout: 20) != nil)

            // Woken up, the old leader still believes in its term for a moment: whatever it
            // answers must be the cluster's state, never its own stale one.
            leader.child?.signal(SIGCONT)
            let read = try etcdctl(["--endpoints", leader.endpoint, "--command-timeout=5s", "get", "k", "--print-value-only"])
            #expect(read.exitCode != 0 || read.stdout == "new\n", "stale linearizable read: \(read.stdout)")
            let write = try etcdctl(["--endpoints", leader.endpoint, "--command-timeout=5s", "put", "after-pause", "x"])
            if write.exitCode == 0 {
                let check = try etcdctl(["--endpoints", others[1].endpoint, "get", "after-pause", "--print-value-only"])
                #expect(check.stdout == "x\n", "a write acknowledged by the woken leader is not in the cluster")
            }

            // It rejoins: follows the new leader and serves the current value.
            var rejoined = false
            let rejoinDeadline = Date().addingTimeInterval(20)
            while !rejoined && Date() < rejoinDeadline {
                let status = try cluster.status(leader)
                let get = try etcdctl(["--endpoints", leader.endpoint, "get", "k", "--consistency=s", "--print-value-only"])
                rejoined = status?.leader != nil && status?.leader != 0 && get.stdout == "new\n"
                if !rejoined { usleep(100_000) }
            }
            #expect(rejoined, "the woken member did not rejoin\n\(cluster.stderrTail(leader))")
        }
    }
}
