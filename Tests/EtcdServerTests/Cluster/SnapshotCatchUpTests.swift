import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// A follower that was down while the leader compacted its log past it catches up through a
    /// snapshot: the leader streams its backend, the follower installs it and then follows the
    /// log again, ending with the same keys and the same hash as the others.
    @Suite(.serialized) struct SnapshotCatchUp {
        static let keys = 10_000
        static let keysPerTxn = 125  // under etcd's default --max-txn-ops (128)

        @Test func restartedFollowerCatchesUpThroughASnapshot() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            // Snapshots every 50 entries, keeping only 10 behind: 80 transactions of 125 keys
            // push the leader's log past the stopped follower.
            cluster.extraArguments = ["--snapshot-count", "50", "--experimental-snapshot-catchup-entries", "10"]
            defer { cluster.destroy() }
            try cluster.startAll()
            let leader = try #require(try cluster.agreedLeader(), "members never agreed on a leader\n\(cluster.logs())")
            let follower = try #require(cluster.nodes.first { $0 !== leader })
            cluster.crash(follower)

            try Self.writeKeys(via: leader)
            let leaderCount = try etcdctl(["--endpoints", leader.endpoint, "get", "key/", "--prefix", "--limit=1", "-w", "json"])
            #expect(MemberFacts.firstNumber(after: "\"count\":", in: leaderCount.stdout) == UInt64(Self.keys), "\(leaderCount.stdout)")
            let leaderRevision = try #require(try Self.hashKV(leader)?.revision)

            let start = Date()
            try cluster.launch(follower)
            var caughtUp = false
            let deadline = start.addingTimeInterval(40)
            while Date() < deadline, follower.isRunning {
                if let own = try Self.hashKV(follower), own.revision >= leaderRevision {
                    caughtUp = true
                    break
                }
                usleep(50_000)
            }
            let seconds = Date().timeIntervalSince(start)
            print("restarted follower caught up \(Self.keys) keys (revision \(leaderRevision)) in \(String(format: "%.2f", seconds)) s")
            #expect(caughtUp, "the restarted follower did not reach revision \(leaderRevision)\n\(cluster.logs())")

            let followerLog = ChildProcess.read(try #require(follower.stderrPaths.last))
            #expect(followerLog.contains("applied snapshot from the leader"), "no snapshot installed\n\(cluster.stderrTail(follower))")
            let leaderLog = ChildProcess.read(try #require(leader.stderrPaths.last))
            #expect(leaderLog.contains("sent database snapshot"), "\(cluster.stderrTail(leader))")

            // Same history everywhere: hashkv at the same revision on every member.
            let hashes = try cluster.nodes.map { try #require(try Self.hashKV($0), "no hashkv from \($0.name)") }
            #expect(Set(hashes.map(\.revision)).count == 1, "\(hashes)")
            #expect(Set(hashes.map(\.hash)).count == 1, "\(hashes)")

            // The follower serves every key from its own store.
            let count = try etcdctl(["--endpoints", follower.endpoint, "get", "key/", "--prefix", "--limit=1",
                                     "--consistency=s", "-w", "json"])
            #expect(MemberFacts.firstNumber(after: "\"count\":", in: count.stdout) == UInt64(Self.keys), "\(count.stdout) \(count.stderr)")
            let last = try etcdctl(["--endpoints", follower.endpoint, "get", Self.key(Self.keys - 1), "--print-value-only",
                                    "--consistency=s"])
            #expect(last.stdout == "v\(Self.keys - 1)\n", "\(last.stderr)")

            // And it takes part in new writes.
            let put = try etcdctl(["--endpoints", follower.endpoint, "put", "after", "snapshot"])
            #expect(put.exitCode == 0, "\(put.stderr)")
            let after = try etcdctl(["--endpoints", follower.endpoint, "get", "after", "--print-value-only", "--consistency=s"])
            #expect(after.stdout == "snapshot\n", "\(after.stderr)")
        }

        /// A follower killed in the middle of installing a snapshot (the WAL records it, the
        /// backend is not swapped yet) restarts, finishes the install and catches up.
        @Test func crashDuringTheInstallLeavesARestartableFollower() throws {
            guard let binary = EtcdIntegration.requireKeelEtcd() else { return }
            let cluster = ClusterProcesses(binary: binary, size: 3)
            cluster.extraArguments = ["--snapshot-count", "10", "--experimental-snapshot-catchup-entries", "5"]
            defer { cluster.destroy() }
            try cluster.startAll()
            let leader = try #require(try cluster.agreedLeader(), "members never agreed on a leader\n\(cluster.logs())")
            let follower = try #require(cluster.nodes.first { $0 !== leader })
            cluster.crash(follower)
            try Self.writeKeys(via: leader, count: 2_000)
            let leaderRevision = try #require(try Self.hashKV(leader)?.revision)

            try cluster.launch(follower, environment: ["KEEL_CRASH_POINT": "snapshotInstallBeforeSwap"])
            let crashed = follower.child?.waitForExit(timeout: 40) ?? false
            #expect(crashed, "the follower never reached the install\n\(cluster.stderrTail(follower))")
            #expect(ChildProcess.read(try #require(follower.stderrPaths.last)).contains("crash point snapshotInstallBeforeSwap hit"))

            try cluster.restart(follower)
            let deadline = Date().addingTimeInterval(30)
            var own = try Self.hashKV(follower)
            while Date() < deadline, (own?.revision ?? 0) < leaderRevision {
                usleep(50_000)
                own = try Self.hashKV(follower)
            }
            let reference = try #require(try Self.hashKV(leader))
            #expect(own?.revision == reference.revision && own?.hash == reference.hash, "\(String(describing: own)) vs \(reference)")
            let restartLog = ChildProcess.read(try #require(follower.stderrPaths.last))
            #expect(restartLog.contains("finishing the installation of a received snapshot"), "\(cluster.stderrTail(follower))")
            let count = try etcdctl(["--endpoints", follower.endpoint, "get", "key/", "--prefix", "--limit=1",
                                     "--consistency=s", "-w", "json"])
            #expect(MemberFacts.firstNumber(after: "\"count\":", in: count.stdout) == 2_000, "\(count.stdout) \(count.stderr)")
        }

        static func key(_ i: Int) -> String { String(format: "key/%05d", i) }

        /// `count` keys in transactions of 125 puts, four etcdctl processes at a time.
        static func writeKeys(via node: ClusterProcesses.Node, count: Int = keys) throws {
            let batches = count / keysPerTxn
            let failures = LockedFailures()
            let endpoint = node.endpoint
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                for batch in stride(from: worker, to: batches, by: 4) {
                    let puts = (batch * keysPerTxn..<(batch + 1) * keysPerTxn).map { "put \(key($0)) v\($0)\n" }.joined()
                    do {
                        let txn = try etcdctl(["--endpoints", endpoint, "txn"], stdin: "\n" + puts + "\n\n", timeout: 20)
                        if !txn.stdout.hasPrefix("SUCCESS") { failures.add("batch \(batch): \(txn.stdout) \(txn.stderr)") }
                    } catch {
                        failures.add("batch \(batch): \(error)")
                    }
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        }

        /// `endpoint hashkv` of one member: hash and the revision it is current to.
        static func hashKV(_ node: ClusterProcesses.Node) throws -> (hash: UInt64, revision: UInt64)? {
            let result = try etcdctl(["--endpoints", node.endpoint, "--command-timeout=2s", "endpoint", "hashkv", "-w", "json"], timeout: 5)
            guard result.exitCode == 0,
                  let hash = MemberFacts.firstNumber(after: "\"hash\":", in: result.stdout),
                  let revision = MemberFacts.firstNumber(after: "\"revision\":", in: result.stdout)
            else { return nil }
            return (hash, revision)
        }
    }

    final class LockedFailures: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }
}
