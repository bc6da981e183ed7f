import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// Three Keel members on loopback, driven by the real etcdctl: requests through any member,
    /// one view of the membership and the leader, and failover when the leader is killed.
    @Suite(.serialized) struct Cluster {
        static func values(_ result: CommandResult) -> [String] {
            result.stdout.split(separator: "\n").map(String.init)
        }

        @Test func everyMemberServesTheSameData() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()

            let list = try etcdctl(["--endpoints", cluster.nodes[0].endpoint, "member", "list"])
            #expect(list.exitCode == 0, "\(list.stderr)")
            let rows = Self.values(list)
            #expect(rows.count == 3)
            for node in cluster.nodes {
                #expect(rows.contains { $0.contains(", started, \(node.name), \(node.peerURL), \(node.clientURL), false") },
                        "member list lacks \(node.name): \(list.stdout)")
            }

            let leader = try #require(try cluster.agreedLeader(), "members never agreed on a leader\n\(cluster.logs())")
            let followers = cluster.nodes.filter { $0 !== leader }
            #expect(followers.count == 2)

            // A write on a follower is seen by a linearizable read on the other follower at once.
            let put = try etcdctl(["--endpoints", followers[0].endpoint, "put", "greeting", "hello from a follower"])
            #expect(put.exitCode == 0 && put.stdout == "OK\n", "\(put.stderr)")
            let get = try etcdctl(["--endpoints", followers[1].endpoint, "get", "greeting"])
            #expect(Self.values(get) == ["greeting", "hello from a follower"], "\(get.stderr)")
            let onLeader = try etcdctl(["--endpoints", leader.endpoint, "get", "greeting", "--print-value-only"])
            #expect(Self.values(onLeader) == ["hello from a follower"])

            // Transactions and deletes through the other follower.
            let txn = try etcdctl(["--endpoints", followers[1].endpoint, "txn"],
                                  stdin: "value(\"greeting\") = \"hello from a follower\"\n\nput answer 42\n\n\n")
            #expect(txn.stdout == "SUCCESS\n\nOK\n", "\(txn.stdout) \(txn.stderr)")
            let answer = try etcdctl(["--endpoints", followers[0].endpoint, "get", "answer", "--print-value-only"])
            #expect(Self.values(answer) == ["42"])

            // Leases: granted, inspected and kept alive through followers (forwarded to the leader).
            let grant = try etcdctl(["--endpoints", followers[0].endpoint, "lease", "grant", "60"])
            let leaseID = try #require(grant.stdout.split(separator: " ").dropFirst().first.map(String.init), "\(grant.stderr)")
            let attach = try etcdctl(["--endpoints", followers[1].endpoint, "put", "--lease=\(leaseID)", "leased", "v"])
            #expect(attach.exitCode == 0, "\(attach.stderr)")
            let ttl = try etcdctl(["--endpoints", followers[1].endpoint, "lease", "timetolive", "--keys", leaseID])
            #expect(ttl.stdout.contains("lease \(leaseID) granted with TTL(60s)") && ttl.stdout.contains("attached keys([leased])"),
                    "\(ttl.stdout) \(ttl.stderr)")
            let keepAlive = try etcdctl(["--endpoints", followers[0].endpoint, "lease", "keep-alive", "--once", leaseID])
            #expect(keepAlive.stdout == "lease \(leaseID) keepalived with TTL(60)\n", "\(keepAlive.stderr)")
            let leases = try etcdctl(["--endpoints", followers[1].endpoint, "lease", "list"])
            #expect(Self.values(leases) == ["found 1 leases", leaseID], "\(leases.stderr)")

            // Every member reports the same leader, term and (once caught up) index.
            let statuses = try cluster.nodes.map { try #require(try cluster.status($0)) }
            #expect(Set(statuses.map(\.leader)).count == 1)
            #expect(Set(statuses.map(\.raftTerm)).count == 1)
        }

        @Test func killingTheLeaderLosesNoAcknowledgedWrite() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()

            // Acknowledged writes spread over every member.
            var acknowledged: [String: String] = [:]
            for i in 0..<30 {
                let node = cluster.nodes[i % 3]
                let put = try etcdctl(["--endpoints", node.endpoint, "put", "before/\(i)", "v\(i)"])
                if put.exitCode == 0 { acknowledged["before/\(i)"] = "v\(i)" }
            }
            #expect(acknowledged.count == 30)

            let oldLeader = try #require(try cluster.agreedLeader(), "no leader\n\(cluster.logs())")
            let oldTerm = try #require(try cluster.status(oldLeader)).raftTerm
            let survivors = cluster.nodes.filter { $0 !== oldLeader }
            cluster.crash(oldLeader)

            // The first write acknowledged after the kill, through a surviving member.
            let failover = try cluster.putRetrying("after/0", "first", via: survivors[0])
            let seconds = try #require(failover, "no write acknowledged within 20 s of killing the leader\n\(cluster.logs())")
            print("cluster failover: leader killed → first acknowledged write in \(String(format: "%.2f", seconds)) s")
            acknowledged["after/0"] = "first"

            let newLeader = try #require(try cluster.agreedLeader(), "survivors never agreed on a new leader\n\(cluster.logs())")
            #expect(newLeader !== oldLeader)
            #expect(try #require(try cluster.status(newLeader)).raftTerm > oldTerm)

            // Writes continue through both survivors.
            for i in 1..<20 {
                let node = survivors[i % 2]
                let put = try etcdctl(["--endpoints", node.endpoint, "put", "after/\(i)", "v\(i)"])
                #expect(put.exitCode == 0, "put via \(node.name): \(put.stderr)")
                if put.exitCode == 0 { acknowledged["after/\(i)"] = "v\(i)" }
            }

            // Everything acknowledged is there, read linearizably on both survivors.
            for node in survivors {
                #expect(try Self.contents(of: node) == acknowledged, "\(node.name) lost acknowledged writes")
            }

            // The killed member comes back on its data dir and catches up.
            try cluster.restart(oldLeader)
            let put = try etcdctl(["--endpoints", survivors[1].endpoint, "put", "after/last", "while it was away"])
            #expect(put.exitCode == 0, "\(put.stderr)")
            acknowledged["after/last"] = "while it was away"
            var caughtUp = false
            let deadline = Date().addingTimeInterval(20)
            while !caughtUp && Date() < deadline {
                let get = try etcdctl(["--endpoints", oldLeader.endpoint, "get", "--consistency=s", "after/last", "--print-value-only"])
                caughtUp = Self.values(get) == ["while it was away"]
                if !caughtUp { usleep(100_000) }
            }
            #expect(caughtUp, "the restarted member never caught up\n\(cluster.stderrTail(oldLeader))")
            #expect(try Self.contents(of: oldLeader, serializable: true) == acknowledged)
            let agreed = try cluster.agreedLeader()
            #expect(agreed === newLeader)

            // Same data, byte for byte: HashKV agrees on every member.
            let hashes = try etcdctl(["--endpoints", cluster.endpoints, "endpoint", "hashkv"])
            let values = Set(Self.values(hashes).compactMap { $0.split(separator: ",").last.map(String.init) })
            #expect(hashes.exitCode == 0 && values.count == 1, "\(hashes.stdout) \(hashes.stderr)")
        }

        @Test func aMemberWithoutQuorumRefusesWritesAndLinearizableReads() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            defer { cluster.destroy() }
            try cluster.startAll()
            let put = try etcdctl(["--endpoints", cluster.nodes[0].endpoint, "put", "k", "before"])
            #expect(put.exitCode == 0, "\(put.stderr)")

            let alone = cluster.nodes[0]
            cluster.crash(cluster.nodes[1])
            cluster.crash(cluster.nodes[2])
            // Within a few election timeouts the lone member knows it has no leader.
            var leaderless = false
            let deadline = Date().addingTimeInterval(20)
            while !leaderless && Date() < deadline {
                leaderless = try cluster.status(alone)?.leader == 0
                if !leaderless { usleep(100_000) }
            }
            #expect(leaderless, "the lone member still names a leader\n\(cluster.stderrTail(alone))")

            let refused = try etcdctl(["--endpoints", alone.endpoint, "--command-timeout=3s", "put", "k", "lost"])
            #expect(refused.exitCode != 0)
            #expect(refused.stderr.contains("etcdserver: no leader"), "\(refused.stderr)")
            let linearizable = try etcdctl(["--endpoints", alone.endpoint, "--command-timeout=2s", "get", "k"])
            #expect(linearizable.exitCode != 0, "a member without quorum served a linearizable read: \(linearizable.stdout)")
            let serializable = try etcdctl(["--endpoints", alone.endpoint, "get", "k", "--consistency=s", "--print-value-only"])
            #expect(Self.values(serializable) == ["before"])
            let status = try etcdctl(["--endpoints", alone.endpoint, "endpoint", "status"])
            #expect(status.stdout.contains("etcdserver: no leader"), "\(status.stdout)")

            // One member back: a quorum again, and writes go through.
            try cluster.launch(cluster.nodes[1])
            let seconds = try cluster.putRetrying("k", "after", via: alone, timeout: 30)
            #expect(seconds != nil, "no write acknowledged after the quorum came back\n\(cluster.logs())")
            let get = try etcdctl(["--endpoints", cluster.nodes[1].endpoint, "get", "k", "--print-value-only"])
            #expect(Self.values(get) == ["after"])
        }

        /// Every key under before/ and after/ with its value.
        static func contents(of node: ClusterProcesses.Node, serializable: Bool = false) throws -> [String: String] {
            var result: [String: String] = [:]
            for prefix in ["before/", "after/"] {
                var arguments = ["--endpoints", node.endpoint, "get", "--prefix", prefix]
                if serializable { arguments.append("--consistency=s") }
                let get = try etcdctl(arguments)
                #expect(get.exitCode == 0, "\(get.stderr)")
                let lines = values(get)
                for pair in stride(from: 0, to: lines.count - 1, by: 2) { result[lines[pair]] = lines[pair + 1] }
            }
            return result
        }
    }
}
