import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// kill -9 at random moments while a writer (etcd's Go client) gets acknowledgements;
    /// after each restart on the same data dir every acknowledged key must be there.
    @Suite(.serialized) struct Crash {
        @Test func keelKeepsEveryAcknowledgedWrite() throws {
            guard let keel = requireKeelEtcd() else { return }
            try crashCycles(binary: keel, cycles: 20)
        }

        /// The same with the lost-unsynced-writes disk mode: each crash also loses what the WAL
        /// had written but not fsynced (a torn tail), as a power loss would. Passes only if
        /// every acknowledgement came after its fsync.
        @Test func keelKeepsEveryAcknowledgedWriteWhenUnsyncedWritesAreLost() throws {
            guard let keel = requireKeelEtcd() else { return }
            try crashCycles(binary: keel, cycles: 8, environment: ["KEEL_DISK_FAULTS": "lostUnsynced:\(Self.seed)"], crashSignal: SIGUSR2)
        }

        /// Proves the harness on the reference server (fewer cycles: it only checks the test).
        @Test(.enabled(if: IntegrationPaths.referenceEtcdInstalled,
                       "reference etcd 3.4 (/usr/bin/etcd, Debian etcd-server) is not installed"))
        func referenceEtcdKeepsEveryAcknowledgedWrite() throws {
            try crashCycles(binary: IntegrationPaths.referenceEtcd, cycles: 4)
        }

        /// Seed for the kill moments: $KEEL_ITEST_SEED, or a fixed one so a failure reproduces.
        static var seed: UInt64 {
            ProcessInfo.processInfo.environment["KEEL_ITEST_SEED"].flatMap { UInt64($0) } ?? 20_261_126
        }

        private func crashCycles(binary: String, cycles: Int, environment: [String: String] = [:], crashSignal: Int32 = SIGKILL) throws {
            let writer = try GoClientCheck.build()
            var random = SplitMix64(seed: Self.seed)
            let member = try EtcdProcess.start(binary: binary, name: "crash", environment: environment)
            defer { member.destroy() }
            var acknowledged: [String] = []
            // Per-cycle counts, kept beside the other outputs: shows the test wrote something.
            var log: [String] = ["\(binary), seed \(Self.seed)"]
            defer {
                let name = "crashstats-" + URL(fileURLWithPath: binary).lastPathComponent + "-\(getpid()).txt"
                try? log.joined(separator: "\n").write(toFile: IntegrationPaths.scratch + "/" + name,
                                                      atomically: true, encoding: .utf8)
            }
            for cycle in 0..<cycles {
                let prefix = String(format: "crash/%02d/", cycle)
                let acked = try writeThenKill(member: member, writer: writer, prefix: prefix,
                                              killAfterMillis: 50 + Int(random.next() % 700), signal: crashSignal)
                acknowledged += acked
                log.append("cycle \(cycle): \(acked.count) acknowledged, then \(crashSignal == SIGKILL ? "kill -9" : "signal \(crashSignal)")")
                if crashSignal == SIGUSR2 {
                    let tail = member.stderrTail(lines: 5)
                    #expect(tail.contains("lostUnsynced"), "cycle \(cycle): the member did not apply the lost-unsynced crash:\n\(tail)")
                    log.append("  " + (tail.split(separator: "\n").last { $0.contains("lostUnsynced") } ?? ""))
                }
                try member.launch()
                let present = try keys(withPrefix: prefix, on: member)
                let lost = acked.filter { !present.contains($0) }
                #expect(lost.isEmpty, """
                    cycle \(cycle) (seed \(Self.seed)): \(lost.count) of \(acked.count) acknowledged keys lost after kill -9 \
                    and restart of \(binary), first: \(lost.prefix(5))
                    \(member.stderrTail())
                    """)
                // One writer, one put at a time: what survived is keys 1...M with M at most one
                // beyond the acknowledged ones (the put in flight at the kill may have committed).
                let expectedPrefix = (1...max(1, present.count)).map { String(format: "%@%06d", prefix, $0) }
                #expect(present.isEmpty || (present.count <= acked.count + 1 && Set(expectedPrefix) == present),
                        "cycle \(cycle): surviving keys are not 1...\(present.count) (acked \(acked.count)): \(present.sorted().suffix(5))")
                if !lost.isEmpty { return }
            }
            let present = try keys(withPrefix: "crash/", on: member)
            let lost = acknowledged.filter { !present.contains($0) }
            #expect(lost.isEmpty, "after \(cycles) crashes: \(lost.count) acknowledged keys missing, first: \(lost.prefix(5))")
            #expect(acknowledged.count >= cycles, "the writer got fewer acknowledgements than cycles: the test proved little")
        }

        /// Starts the writer, waits for its first acknowledgement, lets it run `killAfterMillis`
        /// more, then SIGKILLs the member and the writer. Returns the acknowledged keys.
        private func writeThenKill(member: EtcdProcess, writer: String, prefix: String,
                                   killAfterMillis: Int, signal: Int32 = SIGKILL) throws -> [String] {
            let process = try ChildProcess(executable: writer,
                                           arguments: ["-endpoint", member.endpoint, "-mode", "crash-writer",
                                                       "-prefix", prefix, "-duration", "30s"],
                                           environment: ChildProcess.cleanEnvironment(),
                                           outputDirectory: IntegrationPaths.scratch, label: "crash-writer")
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && process.currentStdout().isEmpty && Date() < deadline { usleep(5_000) }
            usleep(useconds_t(killAfterMillis * 1_000))
            member.crash(signal: signal)
            // No acknowledgement can arrive after the member died; stop the writer right away.
            process.signal(SIGKILL)
            let result = process.finish(timeout: 10)
            // Only complete lines: a line is printed in one write after its put succeeded.
            return result.stdout.split(separator: "\n", omittingEmptySubsequences: true)
                .filter { $0.hasPrefix(prefix) && $0.count == prefix.count + 6 }.map(String.init)
        }

        private func keys(withPrefix prefix: String, on member: EtcdProcess) throws -> Set<String> {
            let result = try etcdctl(["--endpoints", member.endpoint, "get", prefix, "--prefix", "--keys-only"])
            #expect(result.exitCode == 0, "get \(prefix) --prefix failed: \(result.stderr)")
            return Set(result.stdout.split(separator: "\n").map(String.init))
        }
    }
}

extension EtcdIntegration {
    /// A small seeded generator (SplitMix64) so that one seed reproduces the kill moments.
    struct SplitMix64: RandomNumberGenerator {
        private var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
