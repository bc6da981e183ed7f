import Foundation
import Glibc
import Testing

/// Runs one session with an etcdctl binary against a fresh server.
struct SessionRunner {
    let etcdctl: String
    let server: TestServer

    func run(_ steps: [Step]) throws -> [Record] {
        try server.start()
        defer {
            server.stop()
            server.removeData()
        }
        var records: [Record] = []
        var lease = "0"
        var background: [(String, ChildProcess)] = []
        for step in steps {
            switch step {
            case .run(let words, let input):
                let command = words.replacingOccurrences(of: "$LEASE", with: lease)
                let result = try ChildProcess.run([etcdctl, "--endpoints", server.endpoint] + split(command), input: input)
                if let granted = Normalizer.matches("lease ([0-9a-f]{16}) granted", in: result.stdout).first { lease = granted }
                records.append(record(command, result))
            case .bare(let template):
                let words = template.replacingOccurrences(of: "$EP", with: server.endpoint)
                records.append(record(template, try ChildProcess.run([etcdctl] + split(words))))
            case .background(let template, let input):
                let words = template.replacingOccurrences(of: "$LEASE", with: lease)
                let child = try ChildProcess([etcdctl, "--endpoints", server.endpoint] + split(words))
                child.write(input)
                background.append((words, child))
                usleep(300_000)  // the watch is created before the writes that follow
            case .collect:
                usleep(500_000)  // the events reach every watcher
                for (words, child) in background {
                    var result = child.terminate()
                    result.status = 0  // killed on purpose
                    records.append(record("& " + words, result))
                }
                background.removeAll()
            }
        }
        return records
    }

    private func split(_ words: String) -> [String] { words.split(separator: " ").map(String.init) }

    private func record(_ command: String, _ result: ChildProcess.Result) -> Record {
        Record(command: command, stdout: Normalizer.normalize(result.stdout, endpoint: server.endpoint),
               stderr: Normalizer.normalize(result.stderr, endpoint: server.endpoint), status: result.status)
    }
}

/// The real etcdctl 3.4.23 and Keel's etcdctl run the same session against fresh servers on the
/// same ports; stdout, stderr and exit codes must match byte for byte after normalization.
@Suite(.serialized, .enabled(if: Binaries.exists(Binaries.realEtcdctl) && Binaries.exists(Binaries.realEtcd)
                               && Binaries.exists(Binaries.keelEtcdctl)))
struct EtcdctlDifferentialTests {
    func compare(serverBinary: String, includeClusterFlag: Bool) throws {
        let clientPort = freeLoopbackPort(), peerPort = freeLoopbackPort()
        let steps = DifferentialScript.steps(includeClusterFlag: includeClusterFlag)
        let real = Normalizer.normalizeLeases(try SessionRunner(
            etcdctl: Binaries.realEtcdctl,
            server: TestServer(binary: serverBinary, clientPort: clientPort, peerPort: peerPort)).run(steps))
        let keel = Normalizer.normalizeLeases(try SessionRunner(
            etcdctl: Binaries.keelEtcdctl,
            server: TestServer(binary: serverBinary, clientPort: clientPort, peerPort: peerPort)).run(steps))
        #expect(real.count == keel.count)
        for (expected, actual) in zip(real, keel) {
            #expect(actual == expected, "etcdctl \(expected.command)")
        }
    }

    @Test func sameOutputAgainstRealEtcd() throws {
        try compare(serverBinary: Binaries.realEtcd, includeClusterFlag: true)
    }

    /// Against Keel's server; `--cluster` is left out because the real etcdctl sends the
    /// member's client URL ("http://…") as :authority, which nghttp2 in Keel's server refuses.
    @Test(.enabled(if: Binaries.exists(Binaries.keelEtcd)))
    func sameOutputAgainstKeelEtcd() throws {
        try compare(serverBinary: Binaries.keelEtcd, includeClusterFlag: false)
    }

    /// Help and usage need no server: every command's help text is the same.
    @Test func sameHelpForEveryCommand() throws {
        let commands = ["", "get", "put", "del", "txn", "compaction", "alarm", "alarm disarm", "alarm list", "defrag",
                        "endpoint", "endpoint health", "endpoint status", "endpoint hashkv", "watch", "version", "lease",
                        "lease grant", "lease revoke", "lease timetolive", "lease list", "lease keep-alive", "member",
                        "member list", "snapshot", "snapshot save", "help", "move-leader", "lock", "elect",
                        "snapshot status", "snapshot restore", "make-mirror", "check", "check perf", "check datascale"]
        for command in commands {
            let words = command.split(separator: " ").map(String.init) + ["--help"]
            let expected = try ChildProcess.run([Binaries.realEtcdctl] + words)
            let actual = try ChildProcess.run([Binaries.keelEtcdctl] + words)
            #expect(actual == expected, "etcdctl \(command) --help")
        }
        for words in [["help", "get"], ["help", "bogus"], ["help", "lease", "grant"]] {
            let expected = try ChildProcess.run([Binaries.realEtcdctl] + words)
            let actual = try ChildProcess.run([Binaries.keelEtcdctl] + words)
            #expect(actual == expected, "etcdctl \(words.joined(separator: " "))")
        }
    }

    /// `version`: the real etcdctl's two lines, then Keel's own release.
    @Test func versionNamesEtcdAndKeel() throws {
        let expected = try ChildProcess.run([Binaries.realEtcdctl, "version"])
        let actual = try ChildProcess.run([Binaries.keelEtcdctl, "version"])
        #expect(expected.stdout == "etcdctl version: 3.4.23\nAPI version: 3.4\n")
        #expect(actual.stdout.hasPrefix(expected.stdout) && actual.stdout.dropFirst(expected.stdout.count).hasPrefix("Keel version: "),
                "\(actual.stdout)")
        #expect(actual.status == 0)
    }

    /// ETCDCTL_* variables: used when the flag is absent, a conflict with a flag is fatal, an
    /// unknown one is warned about. (ETCDCTL_API=2, the v2 client, is not provided.)
    @Test func sameEnvironmentHandling() throws {
        let cases: [[String: String]] = [
            ["ETCDCTL_WRITE_OUT": "json"], ["ETCDCTL_FOO": "1"], ["ETCDCTL_API": "3"], ["ETCDCTL_COMMAND_TIMEOUT": "1s"],
            ["ETCDCTL_WATCH_RANGE_END": "z"], ["ETCDCTL_DIAL_TIMEOUT": "zz", "ETCDCTL_WRITE_OUT": "xml"],
        ]
        for environment in cases {
            let args = environment["ETCDCTL_WATCH_RANGE_END"] != nil ? ["watch"]
                : ["--endpoints=127.0.0.1:1", "--command-timeout=300ms", "get", "a"]
            let expected = try ChildProcess.run([Binaries.realEtcdctl] + args, environment: environment)
            let actual = try ChildProcess.run([Binaries.keelEtcdctl] + args, environment: environment)
            let date = #"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"#
            let normalize = { (text: String) in
                Normalizer.normalize(Normalizer.replace(date, in: text, with: "DATE"), endpoint: "127.0.0.1:1")
            }
            #expect(normalize(actual.stderr) == normalize(expected.stderr), "\(environment)")
            #expect(actual.stdout == expected.stdout && actual.status == expected.status, "\(environment)")
        }
    }
}
