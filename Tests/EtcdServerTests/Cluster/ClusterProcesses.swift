import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// A cluster of Keel `etcd` processes on loopback: every member on free ports with its own
    /// data dir, all listed in one `--initial-cluster`. Members can be killed (-9) and restarted
    /// on the same data dir and ports.
    final class ClusterProcesses {
        final class Node {
            let name: String
            let clientPort: UInt16
            let peerPort: UInt16
            let dataDir: String
            var child: ChildProcess?
            var stderrPaths: [String] = []
            /// For a member added to a running cluster: the --initial-cluster it starts with
            /// (with --initial-cluster-state existing).
            var joinCluster: String?

            init(name: String, root: String) {
                self.name = name
                clientPort = FreePort.next()
                peerPort = FreePort.next()
                dataDir = root + "/" + name + ".etcd"
            }

            var endpoint: String { "127.0.0.1:\(clientPort)" }
            var clientURL: String { "http://127.0.0.1:\(clientPort)" }
            var peerURL: String { "http://127.0.0.1:\(peerPort)" }
            var isRunning: Bool { child?.isRunning ?? false }
        }

        let binary: String
        let root: String
        private(set) var nodes: [Node]
        let token: String
        /// The founding members (those started with --initial-cluster-state new).
        let founders: Int
        /// Flags every member gets after the cluster's own.
        var extraArguments: [String] = []

        init(binary: String, size: Int) {
            self.binary = binary
            let root = IntegrationPaths.freshDirectory("cluster")
            self.root = root
            nodes = (1...size).map { Node(name: "m\($0)", root: root) }
            founders = size
            token = "keel-cluster-test-" + UUID().uuidString.prefix(8)
        }

        var initialCluster: String { nodes.prefix(founders).map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",") }

        /// A new member for the running cluster (not started): after `member add` names its
        /// peer URL, launch it to join with `--initial-cluster` = `cluster`.
        func newNode() -> Node {
            let node = Node(name: "m\(nodes.count + 1)", root: root)
            nodes.append(node)
            return node
        }

        /// SIGTERM, and wait (bounded) for the exit; true when it exited in time.
        func terminate(_ node: Node, timeout: Double = 15) -> Bool {
            guard let child = node.child, child.isRunning else { return true }
            child.signal(SIGTERM)
            return child.waitForExit(timeout: timeout)
        }
        var endpoints: String { nodes.map(\.endpoint).joined(separator: ",") }

        func arguments(_ node: Node) -> [String] {
            [
                "--name", node.name, "--data-dir", node.dataDir,
                "--listen-client-urls", node.clientURL, "--advertise-client-urls", node.clientURL,
                "--listen-peer-urls", node.peerURL, "--initial-advertise-peer-urls", node.peerURL,
                "--initial-cluster", node.joinCluster ?? initialCluster, "--initial-cluster-token", token,
                "--initial-cluster-state", node.joinCluster == nil ? "new" : "existing",
            ] + extraArguments
        }

        /// Starts every member, then waits until each one is healthy (it has a leader and serves
        /// a linearizable read).
        func startAll(timeout: Double = 30) throws {
            for node in nodes { try launch(node) }
            for node in nodes { try waitUntilHealthy(node, timeout: timeout) }
        }

        func launch(_ node: Node, environment: [String: String] = [:]) throws {
            precondition(!node.isRunning, "\(node.name) is already running")
            let child = try ChildProcess(executable: binary, arguments: arguments(node),
                                         environment: ChildProcess.cleanEnvironment(adding: environment),
                                         outputDirectory: root, label: "server-\(node.name)")
            node.child = child
            node.stderrPaths.append(child.stderrPath)
        }

        func restart(_ node: Node, timeout: Double = 30) throws {
            try launch(node)
            try waitUntilHealthy(node, timeout: timeout)
        }

        /// Bounded wait for `etcdctl endpoint health` to succeed on `node`.
        func waitUntilHealthy(_ node: Node, timeout: Double) throws {
            let deadline = Date().addingTimeInterval(timeout)
            var last = "never accepted a connection"
            while Date() < deadline {
                guard node.isRunning else {
                    throw ServerFailure("\(node.name) exited before serving\n" + stderrTail(node))
                }
                if FreePort.accepts(node.clientPort) {
                    let health = try etcdctl(["--endpoints", node.endpoint, "--command-timeout=2s", "endpoint", "health"], timeout: 5)
                    if health.exitCode == 0 { return }
                    last = "endpoint health: exit \(health.exitCode): \(health.stderr)"
                }
                usleep(50_000)
            }
            throw ServerFailure("\(node.name) not healthy after \(Int(timeout)) s (\(last))\n" + stderrTail(node))
        }

        /// kill -9.
        func crash(_ node: Node) {
            guard let child = node.child else { return }
            child.signal(SIGKILL)
            child.process.waitUntilExit()
        }

        /// SIGTERM every member (SIGKILL after a grace period) and remove the data dirs.
        func destroy() {
            for node in nodes {
                guard let child = node.child, child.isRunning else { continue }
                child.signal(SIGTERM)
                if !child.waitForExit(timeout: 10) { child.signal(SIGKILL) }
                child.process.waitUntilExit()
            }
            guard ProcessInfo.processInfo.environment["KEEL_ITEST_KEEP"] != "1" else { return }
            try? FileManager.default.removeItem(atPath: root)
        }

        func stderrTail(_ node: Node, lines: Int = 30) -> String {
            guard let path = node.stderrPaths.last else { return "" }
            let all = ChildProcess.read(path).split(separator: "\n", omittingEmptySubsequences: false)
            return "--- last \(lines) lines of \(path) ---\n" + all.suffix(lines).joined(separator: "\n")
        }

        /// Every running member's log tail, for a failure message.
        func logs() -> String { nodes.map { stderrTail($0) }.joined(separator: "\n") }

        // MARK: What the members report

        struct Status: Equatable {
            var memberID: UInt64
            var leader: UInt64
            var raftTerm: UInt64
            var raftIndex: UInt64
        }

        /// `endpoint status -w json` of one member, or nil when it does not answer.
        func status(_ node: Node) throws -> Status? {
            let result = try etcdctl(["--endpoints", node.endpoint, "--command-timeout=2s", "endpoint", "status", "-w", "json"], timeout: 5)
            guard result.exitCode == 0,
                  let member = MemberFacts.firstNumber(after: "\"member_id\":", in: result.stdout),
                  let term = MemberFacts.firstNumber(after: "\"raftTerm\":", in: result.stdout),
                  let index = MemberFacts.firstNumber(after: "\"raftIndex\":", in: result.stdout)
            else { return nil }
            // JSON leaves zero fields out: no "leader" means no leader.
            let leader = MemberFacts.firstNumber(after: "\"leader\":", in: result.stdout) ?? 0
            return Status(memberID: member, leader: leader, raftTerm: term, raftIndex: index)
        }

        /// The member every running member names as leader, once they agree (bounded wait).
        func agreedLeader(timeout: Double = 20) throws -> Node? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let statuses = try nodes.filter(\.isRunning).map { try status($0) }
                if let first = statuses.first ?? nil, first.leader != 0,
                   statuses.allSatisfy({ $0?.leader == first.leader }) {
                    for node in nodes where node.isRunning {
                        if try status(node)?.memberID == first.leader { return node }
                    }
                }
                usleep(100_000)
            }
            return nil
        }

        /// `etcdctl put` retried until acknowledged or `timeout` passes; returns the seconds it took.
        func putRetrying(_ key: String, _ value: String, via node: Node, timeout: Double = 20) throws -> Double? {
            let start = Date()
            let deadline = start.addingTimeInterval(timeout)
            while Date() < deadline {
                let put = try etcdctl(["--endpoints", node.endpoint, "--command-timeout=500ms", "put", key, value], timeout: 5)
                if put.exitCode == 0 { return Date().timeIntervalSince(start) }
                usleep(20_000)
            }
            return nil
        }
    }
}
