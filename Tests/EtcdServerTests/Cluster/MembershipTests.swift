import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// Membership changes on running Keel clusters, driven by the real etcdctl: a learner joins,
    /// catches up and is promoted, an old member is removed and stops, the leadership moves (on
    /// request and on SIGTERM), strict reconfiguration refuses what would lose the quorum, and a
    /// five-member cluster survives two kills. The same expectations hold against the real etcd
    /// (`KEEL_ETCD_BIN=/usr/bin/etcd swift test --filter EtcdIntegration.Membership`).
    @Suite(.serialized) struct Membership {
        static func lines(_ result: CommandResult) -> [String] {
            result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }

        /// Runs `command` until `retry` says its outcome is final (bounded in time and count).
        static func retrying(timeout: Double = 20, _ command: () throws -> CommandResult,
                             while retry: (CommandResult) -> Bool) rethrows -> CommandResult {
            let deadline = Date().addingTimeInterval(timeout)
            var result = try command()
            for _ in 0..<400 where retry(result) && Date() < deadline {
                usleep(200_000)
                result = try command()
            }
            return result
        }

        static func hexID(_ cluster: ClusterProcesses, _ node: ClusterProcesses.Node) throws -> String {
            String(try #require(try cluster.status(node)).memberID, radix: 16)
        }

        /// etcdctl prints member and cluster IDs in `member add/remove/promote` with `%16x`.
        static func padded(_ hex: String) -> String { String(repeating: " ", count: max(0, 16 - hex.count)) + hex }

        /// The unquoted value of `NAME="value"` among `member add`'s lines.
        static func variable(_ name: String, in lines: [String]) -> String? {
            guard let line = lines.first(where: { $0.hasPrefix(name + "=\"") }) else { return nil }
            return String(line.dropFirst(name.count + 2).dropLast())
        }

        @Test func aLearnerJoinsCatchesUpIsPromotedAndAnOldMemberIsRemoved() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()
            let (m1, m2, m3) = (cluster.nodes[0], cluster.nodes[1], cluster.nodes[2])
            for i in 0..<20 {
                let put = try etcdctl(["--endpoints", cluster.nodes[i % 3].endpoint, "put", "before/\(i)", "v\(i)"])
                #expect(put.exitCode == 0, "\(put.stderr)")
            }

            // Strict reconfiguration waits until the peers have been connected for 5 s.
            let joiner = cluster.newNode()
            let add = try Self.retrying({
                try etcdctl(["--endpoints", m1.endpoint, "member", "add", joiner.name, "--peer-urls", joiner.peerURL, "--learner"])
            }, while: { $0.stderr.contains("etcdserver: unhealthy cluster") })
            #expect(add.exitCode == 0, "\(add.stderr)\n\(cluster.logs())")
            let addLines = Self.lines(add)
            let words = try #require(addLines.first).split(separator: " ").map(String.init)
            #expect(words.count == 6 && words[0] == "Member" && words[2] == "added" && words[4] == "cluster", "\(add.stdout)")
            let (learnerID, clusterID) = (words[1], words.last ?? "")
            #expect(Self.variable("ETCD_NAME", in: addLines) == joiner.name)
            #expect(Self.variable("ETCD_INITIAL_ADVERTISE_PEER_URLS", in: addLines) == joiner.peerURL)
            #expect(Self.variable("ETCD_INITIAL_CLUSTER_STATE", in: addLines) == "existing")
            let initialCluster = try #require(Self.variable("ETCD_INITIAL_CLUSTER", in: addLines))
            #expect(Set(initialCluster.split(separator: ",").map(String.init))
                    == Set(cluster.nodes.map { "\($0.name)=\($0.peerURL)" }))
            let unstarted = try etcdctl(["--endpoints", m2.endpoint, "member", "list"])
            #expect(Self.lines(unstarted).contains("\(learnerID), unstarted, , \(joiner.peerURL), , true"), "\(unstarted.stdout)")

            // etcd 3.4 allows one learner at a time.
            let second = try etcdctl(["--endpoints", m1.endpoint, "member", "add", "extra", "--peer-urls", "http://127.0.0.1:9", "--learner"])
            #expect(second.exitCode != 0 && second.stderr.contains("Error: etcdserver: too many learner members in cluster"), "\(second.stderr)")

            // The learner joins with an empty data dir and catches up from the leader's log.
            joiner.joinCluster = initialCluster
            try cluster.launch(joiner)
            let caughtUp = try Self.retrying({
                try etcdctl(["--endpoints", joiner.endpoint, "--command-timeout=2s", "get", "--consistency=s", "before/19", "--print-value-only"])
            }, while: { $0.stdout != "v19\n" })
            #expect(caughtUp.stdout == "v19\n", "the learner never caught up\n\(cluster.stderrTail(joiner))")
            let refused = try etcdctl(["--endpoints", joiner.endpoint, "--command-timeout=2s", "put", "on-learner", "x"])
            #expect(refused.exitCode != 0 && refused.stderr.contains("etcdserver: rpc not supported for learner"), "\(refused.stderr)")

            // Promoted once in sync (asked through a follower: forwarded to the leader).
            let promote = try Self.retrying({
                try etcdctl(["--endpoints", m3.endpoint, "member", "promote", learnerID])
            }, while: { $0.stderr.contains("in sync with leader") })
            #expect(promote.stdout == "Member \(Self.padded(learnerID)) promoted in cluster \(Self.padded(clusterID))\n", "\(promote.stderr)")
            let promotedAgain = try etcdctl(["--endpoints", m1.endpoint, "member", "promote", learnerID])
            #expect(promotedAgain.stderr.contains("Error: etcdserver: can only promote a learner member"), "\(promotedAgain.stderr)")
            let four = try etcdctl(["--endpoints", joiner.endpoint, "member", "list"])
            #expect(Self.lines(four).contains("\(learnerID), started, \(joiner.name), \(joiner.peerURL), \(joiner.clientURL), false"),
                    "\(four.stdout) \(four.stderr)")

            // member update: the same URL is fine, another member's is refused.
            let update = try etcdctl(["--endpoints", m2.endpoint, "member", "update", learnerID, "--peer-urls", joiner.peerURL])
            #expect(update.stdout == "Member \(Self.padded(learnerID)) updated in cluster \(Self.padded(clusterID))\n", "\(update.stderr)")
            let taken = try etcdctl(["--endpoints", m2.endpoint, "member", "update", learnerID, "--peer-urls", m2.peerURL])
            #expect(taken.stderr.contains("Error: etcdserver: Peer URLs already exists"), "\(taken.stderr)")

            // The leader (a founder) is removed: it hands over and stops on its own, and its ID
            // is gone for good.
            let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let old: ClusterProcesses.Node = leader === joiner ? m1 : leader
            let rest: [ClusterProcesses.Node] = [m1, m2, m3].filter { $0 !== old }
            let (a, b) = (rest[0], rest[1])
            let oldID = try Self.hexID(cluster, old)
            let remove = try Self.retrying({
                try etcdctl(["--endpoints", a.endpoint, "member", "remove", oldID])
            }, while: { $0.stderr.contains("etcdserver: unhealthy cluster") })
            #expect(remove.stdout == "Member \(Self.padded(oldID)) removed from cluster \(Self.padded(clusterID))\n", "\(remove.stderr)")
            let stopped = old.child?.waitForExit(timeout: 15) ?? false
            #expect(stopped, "the removed member kept running\n\(cluster.stderrTail(old))")
            #expect(cluster.stderrTail(old, lines: 400).contains("the member has been permanently removed from the cluster"))
            // (Retried: a request that reached the removed leader just before it stepped down
            // times out, as with etcd.)
            let again = try Self.retrying({
                try etcdctl(["--endpoints", a.endpoint, "--command-timeout=2s", "member", "remove", oldID])
            }, while: { !$0.stderr.contains("member not found") })
            #expect(again.stderr.contains("Error: etcdserver: member not found"), "\(again.stderr)")

            // The new member serves writes and linearizable reads like any other.
            let put = try cluster.putRetrying("after/joined", "yes", via: joiner)
            #expect(put != nil, "\(cluster.logs())")
            let get = try etcdctl(["--endpoints", b.endpoint, "get", "after/joined", "--print-value-only"])
            #expect(get.stdout == "yes\n", "\(get.stderr)")

            // The membership survives a restart (it is kept in the backend).
            cluster.crash(joiner)
            try cluster.restart(joiner)
            let afterRestart = try etcdctl(["--endpoints", joiner.endpoint, "member", "list"])
            let names = Self.lines(afterRestart).filter { !$0.isEmpty }.map { $0.split(separator: ",")[2].trimmingCharacters(in: .whitespaces) }
            #expect(names.sorted() == [a.name, b.name, joiner.name].sorted(), "\(afterRestart.stdout) \(afterRestart.stderr)")

            // move-leader, with etcd's output, to each of the other voters in turn.
            let running = [a, b, joiner]
            let endpoints = running.map(\.endpoint).joined(separator: ",")
            // The real etcdctl, then Keel's (built beside Keel's etcd): the same bytes.
            let keelEtcdctl = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("etcdctl").path
            for round in 0..<2 {
                let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
                let target = try #require(running.first { $0 !== leader })
                let (from, to) = (try Self.hexID(cluster, leader), try Self.hexID(cluster, target))
                let arguments = ["--endpoints", endpoints, "move-leader", to]
                let move = round == 0 || !FileManager.default.isExecutableFile(atPath: keelEtcdctl)
                    ? try etcdctl(arguments)
                    : try runCommand(keelEtcdctl, arguments, environment: etcdctlEnvironment, timeout: 20)
                #expect(move.stdout == "Leadership transferred from \(from) to \(to)\n", "\(move.stderr)")
                #expect(try cluster.agreedLeader() === target)
            }
            let unknownTarget = try etcdctl(["--endpoints", endpoints, "move-leader", "1234"])
            #expect(unknownTarget.stderr.contains("Error: etcdserver: bad leader transferee"), "\(unknownTarget.stderr)")
        }

        @Test func sigtermOnTheLeaderHandsLeadershipOver() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()
            let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let oldTerm = try #require(try cluster.status(leader)).raftTerm
            let survivors = cluster.nodes.filter { $0 !== leader }

            #expect(cluster.terminate(leader), "the leader did not stop on SIGTERM")
            // etcd logs "leadership transfer finished" (zap) or "finished leadership transfer" (capnslog).
            #expect(cluster.stderrTail(leader, lines: 400).contains("leadership transfer"), "\(cluster.stderrTail(leader))")

            let seconds = try cluster.putRetrying("after/sigterm", "v", via: survivors[0])
            let took = try #require(seconds, "no write acknowledged after the leader stopped\n\(cluster.logs())")
            print("SIGTERM on the leader → first acknowledged write in \(String(format: "%.2f", took)) s")
            let newLeader = try #require(try cluster.agreedLeader(), "no new leader\n\(cluster.logs())")
            #expect(survivors.contains { $0 === newLeader })
            #expect(try #require(try cluster.status(newLeader)).raftTerm > oldTerm)
            for node in survivors {
                let get = try etcdctl(["--endpoints", node.endpoint, "get", "after/sigterm", "--print-value-only"])
                #expect(get.stdout == "v\n", "\(node.name): \(get.stderr)")
            }
        }

        @Test func strictReconfigurationRefusesChangesThatBreakTheActiveQuorum() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()
            // Requests go to the leader; one follower dies, the other stays (the leader keeps
            // its quorum, so no request meets an election).
            let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let followers = cluster.nodes.filter { $0 !== leader }
            let (m1, m2, m3) = (leader, followers[0], followers[1])

            // A member that was never added cannot join: it learns the membership and says why.
            let stranger = cluster.newNode()
            stranger.joinCluster = cluster.initialCluster + ",\(stranger.name)=\(stranger.peerURL)"
            try cluster.launch(stranger)
            #expect(stranger.child?.waitForExit(timeout: 20) == true)
            #expect(stranger.child?.process.terminationStatus != 0)
            #expect(cluster.stderrTail(stranger).contains("member count is unequal"), "\(cluster.stderrTail(stranger))")

            let down = try Self.hexID(cluster, m3)
            let live = try Self.hexID(cluster, m2)
            cluster.crash(m3)

            // Restarted without its data, a member that ran before is refused (same ID twice).
            try FileManager.default.removeItem(atPath: m3.dataDir)
            try cluster.launch(m3)
            #expect(m3.child?.waitForExit(timeout: 20) == true)
            #expect(cluster.stderrTail(m3).contains("member \(down) has already been bootstrapped"), "\(cluster.stderrTail(m3))")

            let add = try etcdctl(["--endpoints", m1.endpoint, "member", "add", "m9", "--peer-urls", "http://127.0.0.1:9"])
            #expect(add.exitCode != 0 && add.stderr.contains("Error: etcdserver: unhealthy cluster"), "\(add.stdout) \(add.stderr)")
            let removeLive = try etcdctl(["--endpoints", m1.endpoint, "member", "remove", live])
            #expect(removeLive.exitCode != 0 && removeLive.stderr.contains("Error: etcdserver: unhealthy cluster"), "\(removeLive.stderr)")
            let list = try etcdctl(["--endpoints", m1.endpoint, "member", "list"])
            #expect(Self.lines(list).filter { !$0.isEmpty }.count == 3, "\(list.stdout)")

            // The member that is down is no part of the active quorum: removing it is allowed.
            let removeDown = try etcdctl(["--endpoints", m1.endpoint, "member", "remove", down])
            #expect(removeDown.exitCode == 0 && removeDown.stdout.hasPrefix("Member \(Self.padded(down)) removed from cluster "), "\(removeDown.stderr)")
            let put = try cluster.putRetrying("two/members", "ok", via: m2)
            #expect(put != nil, "\(cluster.logs())")
        }

        /// etcd's restore procedure: a one-member cluster may add a second voter (and then waits
        /// for it to start); a third is refused while the second has not started.
        @Test func unstartedVotersCountAgainstTheQuorum() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 1)
            defer { cluster.destroy() }
            try cluster.startAll()
            let only = cluster.nodes[0]
            let second = try etcdctl(["--endpoints", only.endpoint, "member", "add", "m2", "--peer-urls", "http://127.0.0.1:9"])
            #expect(second.exitCode == 0 && second.stdout.contains(" added to cluster "), "\(second.stderr)")
            let third = try etcdctl(["--endpoints", only.endpoint, "member", "add", "m3", "--peer-urls", "http://127.0.0.1:10"])
            #expect(third.exitCode != 0, "\(third.stdout)")
            #expect(third.stderr.contains("Error: etcdserver: re-configuration failed due to not enough started members"), "\(third.stderr)")
        }

        @Test func fiveMembersLoseTwoAndKeepEveryAcknowledgedWrite() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 5)
            defer { cluster.destroy() }
            try cluster.startAll()
            var acknowledged: [String: String] = [:]
            for i in 0..<25 {
                let put = try etcdctl(["--endpoints", cluster.nodes[i % 5].endpoint, "put", "before/\(i)", "v\(i)"])
                if put.exitCode == 0 { acknowledged["before/\(i)"] = "v\(i)" }
            }
            #expect(acknowledged.count == 25)

            // The leader and one follower die at once.
            let leader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let follower = try #require(cluster.nodes.first { $0 !== leader })
            cluster.crash(leader)
            cluster.crash(follower)
            let survivors = cluster.nodes.filter { $0.isRunning }
            #expect(survivors.count == 3)

            let failover = try cluster.putRetrying("after/0", "first", via: survivors[0])
            #expect(failover != nil, "no write acknowledged after two kills\n\(cluster.logs())")
            if failover != nil { acknowledged["after/0"] = "first" }
            for i in 1..<15 {
                let node = survivors[i % 3]
                let put = try etcdctl(["--endpoints", node.endpoint, "put", "after/\(i)", "v\(i)"])
                #expect(put.exitCode == 0, "put via \(node.name): \(put.stderr)")
                if put.exitCode == 0 { acknowledged["after/\(i)"] = "v\(i)" }
            }
            for node in survivors {
                #expect(try Cluster.contents(of: node) == acknowledged, "\(node.name) lost acknowledged writes")
            }
        }
    }
}
