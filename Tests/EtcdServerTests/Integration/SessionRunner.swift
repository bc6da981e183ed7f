import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// One labelled piece of output of a step ("stdout", "stderr", "exit", "during[1] stdout", ...).
    struct Observation: Equatable, Sendable {
        var label: String
        var text: String
    }

    struct StepOutcome: Sendable {
        var index: Int
        var commandLine: String
        var observations: [Observation]
    }

    /// Runs the scripted session against one member and records raw outputs plus what the
    /// normalizer needs to know about that member (IDs, ports, leases, scratch dir).
    final class SessionRunner {
        let member: EtcdProcess
        let tmp: String
        let checkSnapshotStatus: Bool
        private(set) var facts: MemberFacts
        /// Why the session stopped before its last step (the member died or took too long).
        private(set) var abortReason: String?
        /// The revision `{rev}` stands for in the current step.
        private var currentRevision: UInt64?

        init(member: EtcdProcess, checkSnapshotStatus: Bool) throws {
            self.member = member
            self.tmp = IntegrationPaths.freshDirectory("session")
            self.checkSnapshotStatus = checkSnapshotStatus
            self.facts = try MemberFacts.discover(member: member, tmp: tmp)
        }

        func run(_ steps: [SessionStep]) throws -> [StepOutcome] {
            var outcomes: [StepOutcome] = []
            let deadline = Date().addingTimeInterval(Self.sessionBudgetSeconds)
            for (index, step) in steps.enumerated() {
                // A dead or hopelessly slow server would turn every later step into a timeout.
                guard member.child?.isRunning == true else {
                    abortReason = "\(member.binary) exited before step \(index) (\(step.commandLine))\n" + member.stderrTail()
                    break
                }
                guard Date() < deadline else {
                    abortReason = "session against \(member.binary) exceeded \(Int(Self.sessionBudgetSeconds)) s at step \(index)"
                    break
                }
                currentRevision = step.commandLine.contains("{rev}") ? try readRevision() : nil
                var observations = try perform(step)
                if step.compareExitOnly { observations = observations.filter { $0.label.hasSuffix("exit") } }
                if let name = step.captureLease, let id = Self.grantedLease(in: observations.first?.text ?? "") {
                    facts.leases.append((name, id))
                }
                outcomes.append(StepOutcome(index: index, commandLine: step.commandLine,
                                            observations: observations.filter { step.compareStderr || !$0.label.hasSuffix("stderr") }))
            }
            return outcomes
        }

        private func perform(_ step: SessionStep) throws -> [Observation] {
            switch step.action {
            case .ctl(let args, let stdin):
                return observe(try ctl(args, stdin: stdin))
            case .watch(let args, let during, let until):
                return try backgroundWatch(args, during: during, until: until)
            case .interactiveWatch(let flags, let commands, let during, let until):
                return try interactiveWatch(flags: flags, commands: commands, during: during, until: until)
            case .snapshot(let file):
                return try snapshot(file: file)
            case .http(let method, let path, let body, let metrics):
                return try http(method: method, path: path, body: body, metrics: metrics)
            case .restart:
                let stoppedInTime = member.stop()
                try member.launch()
                return [Observation(label: "stopped on SIGTERM within 10 s", text: String(stoppedInTime)),
                        Observation(label: "serving again", text: "true")]
            case .fillUntilFailure(let prefix, let bytes, let maxPuts):
                return try fillUntilFailure(prefix: prefix, valueBytes: bytes, maxPuts: maxPuts)
            case .waitUntilGone(let key, let timeout):
                return [Observation(label: "gone", text: String(try waitUntilGone(key, timeout: timeout)))]
            }
        }

        private func ctl(_ args: [String], stdin: String?) throws -> CommandResult {
            try etcdctl(["--endpoints", member.endpoint] + args.map(substitute), stdin: stdin)
        }

        private func substitute(_ arg: String) -> String {
            var out = arg.replacingOccurrences(of: "{tmp}", with: tmp)
            if let currentRevision { out = out.replacingOccurrences(of: "{rev}", with: String(currentRevision)) }
            for (name, id) in facts.leases {
                out = out.replacingOccurrences(of: "{lease:\(name)}", with: String(format: "%016llx", id))
                out = out.replacingOccurrences(of: "{leasedec:\(name)}", with: String(id))
            }
            return out
        }

        private func observe(_ result: CommandResult, prefix: String = "") -> [Observation] {
            [Observation(label: prefix + "stdout", text: result.stdout),
             Observation(label: prefix + "stderr", text: result.stderr),
             Observation(label: prefix + "exit", text: result.timedOut ? "timed out" : String(result.exitCode))]
        }

        private func runDuring(_ during: [[String]]) throws -> [Observation] {
            var observations: [Observation] = []
            for (i, args) in during.enumerated() {
                observations += observe(try ctl(args, stdin: nil), prefix: "during[\(i)] \(args.joined(separator: " ")): ")
            }
            return observations
        }

        /// Bound for a whole session (about 10 s against the reference etcd).
        static let sessionBudgetSeconds: Double = 150

        /// Time for a watcher's create request once its connection is up.
        static let registrationDelayMicros: useconds_t = 700_000

        /// A watcher without --rev only sees writes made after it registered, and etcdctl says
        /// nothing when it has. Wait (bounded) until the member has one more established client
        /// connection than before the watcher started, then a little longer for the create.
        private func waitForWatcherRegistration(connectionsBefore: Int?) {
            if let before = connectionsBefore {
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline, (Self.establishedConnections(toPort: member.clientPort) ?? before + 1) <= before {
                    usleep(10_000)
                }
            }
            usleep(Self.registrationDelayMicros)
        }

        /// Established TCP connections whose remote end is 127.0.0.1:`port` (Linux /proc/net/tcp:
        /// "local rem st" in hex); nil where that file doesn't exist.
        static func establishedConnections(toPort port: UInt16) -> Int? {
            // Read to EOF: procfs reports size 0, so size-based readers get nothing.
            guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp") else { return nil }
            defer { try? handle.close() }
            let table = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            let remote = String(format: "0100007F:%04X", port)
            return table.split(separator: "\n").dropFirst().filter { line in
                let fields = line.split(separator: " ")
                return fields.count > 3 && fields[2] == remote && fields[3] == "01"
            }.count
        }

        private func backgroundWatch(_ args: [String], during: [[String]], until: String?) throws -> [Observation] {
            let before = Self.establishedConnections(toPort: member.clientPort)
            let watcher = try startEtcdctl(["--endpoints", member.endpoint] + args.map(substitute))
            // With --rev the history replays whatever happened before registration: no wait needed.
            if !args.contains("--rev") { waitForWatcherRegistration(connectionsBefore: before) }
            var observations = try runDuring(during)
            Self.waitFor(until, in: watcher, timeout: until == nil ? 3 : 10)
            watcher.signal(SIGTERM)
            let result = watcher.finish(timeout: 5)
            observations += [Observation(label: "watcher stdout", text: result.stdout),
                             Observation(label: "watcher stderr", text: result.stderr)]
            // Exit status only matters when the watcher ended by itself (e.g. a compacted revision).
            if result.exitCode != 128 + SIGTERM {
                observations.append(Observation(label: "watcher exit", text: String(result.exitCode)))
            }
            return observations
        }

        private func interactiveWatch(flags: [String], commands: [String], during: [[String]], until: String) throws -> [Observation] {
            let before = Self.establishedConnections(toPort: member.clientPort)
            let watcher = try startEtcdctl(["--endpoints", member.endpoint, "watch", "-i"] + flags, interactive: true)
            for command in commands { watcher.write(command + "\n") }
            waitForWatcherRegistration(connectionsBefore: before)
            var observations = try runDuring(during)
            Self.waitFor(until, in: watcher, timeout: 10)
            watcher.closeStdin()
            let result = watcher.finish(timeout: 5)
            observations += observe(result, prefix: "watcher ")
            return observations
        }

        /// Waits (bounded) until the watcher printed `marker`, then a little longer so that a
        /// duplicated or extra event would show up too. Without a marker: until it exits or `timeout`.
        /// curl prints the body, then (after a newline) the status code.
        private func http(method: String, path: String, body: String?, metrics: [String]?) throws -> [Observation] {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
                throw ServerFailure("/usr/bin/curl is missing (apt-get install curl): needed for the HTTP steps")
            }
            var args = ["-s", "-S", "--max-time", "10", "-X", method, "-w", "\n%{http_code}"]
            if let body { args += ["-H", "Content-Type: application/json", "-d", substitute(body)] }
            args.append(member.clientURL + path)
            let result = try runCommand("/usr/bin/curl", args, timeout: 20)
            var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let status = lines.popLast().map(String.init) ?? ""
            let responseBody = lines.joined(separator: "\n")
            guard let metrics else {
                return [Observation(label: "body", text: responseBody), Observation(label: "status", text: status),
                        Observation(label: "curl exit", text: String(result.exitCode))]
            }
            let present = metrics.map { name in
                name + ": " + (responseBody.split(separator: "\n").contains { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
                    ? "present" : "absent")
            }
            return [Observation(label: "metrics", text: present.joined(separator: "\n")),
                    Observation(label: "status", text: status)]
        }

        private func fillUntilFailure(prefix: String, valueBytes: Int, maxPuts: Int) throws -> [Observation] {
            let value = String(repeating: "x", count: valueBytes)
            for i in 0..<maxPuts {
                let result = try ctl(["put", prefix + String(i), value], stdin: nil)
                if result.exitCode != 0 {
                    return [Observation(label: "a put failed", text: "true"),
                            Observation(label: "failed put stderr", text: result.stderr),
                            Observation(label: "failed put exit", text: String(result.exitCode))]
                }
            }
            return [Observation(label: "a put failed", text: "false (\(maxPuts) puts of \(valueBytes) bytes fit)")]
        }

        private func readRevision() throws -> UInt64? {
            let result = try ctl(["get", "revision-probe", "-w", "json"], stdin: nil)
            return MemberFacts.firstNumber(after: "\"revision\":", in: result.stdout)
        }

        private func waitUntilGone(_ key: String, timeout: Double) throws -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let result = try ctl(["get", key, "--keys-only"], stdin: nil)
                if result.exitCode == 0 && result.stdout.isEmpty { return true }
                usleep(250_000)
            }
            return false
        }

        static func waitFor(_ marker: String?, in watcher: ChildProcess, timeout: Double) {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline && watcher.isRunning {
                if let marker, watcher.currentStdout().contains(marker) { break }
                usleep(20_000)
            }
            usleep(300_000)
        }

        private func snapshot(file: String) throws -> [Observation] {
            let path = tmp + "/" + file
            let save = try ctl(["snapshot", "save", path], stdin: nil)
            var observations = observe(save)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            observations.append(Observation(label: "snapshot file non-empty", text: String((size ?? 0) > 0)))
            if checkSnapshotStatus {
                let status = try etcdctl(["snapshot", "status", path, "-w", "json"])
                observations.append(Observation(label: "reference-only: snapshot status exit", text: String(status.exitCode)))
            }
            return observations
        }

        /// The lease ID in `lease grant` output: `lease <hex> granted ...` or json `"ID":<decimal>`.
        static func grantedLease(in stdout: String) -> UInt64? {
            if stdout.hasPrefix("{") {
                // etcdctl json prints "ID":123, the JSON gateway "ID":"123".
                return MemberFacts.firstNumber(after: "\"ID\":", in: stdout)
                    ?? MemberFacts.firstNumber(after: "\"ID\":\"", in: stdout)
            }
            guard let range = stdout.range(of: #"lease [0-9a-f]{16} granted"#, options: .regularExpression) else { return nil }
            let hex = stdout[range].dropFirst("lease ".count).prefix(16)
            return UInt64(hex, radix: 16)
        }
    }
}
