import ChaosCheckers
import EtcdClient
import Foundation
import Glibc

/// What one run is asked to do.
struct RunOptions {
    var scenario: Scenario
    var seed: UInt64
    var etcdBinary: String
    var resultsDir: String
    var keepData = false
    /// Extra environment for the members (e.g. a canary that reintroduces a known bug).
    var memberEnvironment: [String: String] = [:]
    var requestTimeoutMilliseconds: UInt64 = 1500

    var replayCommand: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "chaos"
        var parts = [me, "run", "--scenario", scenario.name, "--seed", "\(seed)", "--etcd", etcdBinary]
        for (k, v) in memberEnvironment.sorted(by: { $0.key < $1.key }) { parts += ["--env", "\(k)=\(v)"] }
        return parts.joined(separator: " ")
    }
}

/// One run end to end: start the cluster, run the workload under the nemesis, heal, gather
/// end-of-run facts, check, and write history and summary into the run folder.
struct ChaosRun {
    let options: RunOptions

    func execute() -> RunSummary {
        let s = options.scenario
        let runDir = options.resultsDir + "/\(s.name)-seed\(options.seed)-\(Int(Date().timeIntervalSince1970))"
        try? FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        var summary = RunSummary(scenario: s.name, seed: options.seed, members: s.members, runDir: runDir,
                                 replay: options.replayCommand)
        let say: (String) -> Void = { line in Output.line(line) }
        say("chaos: \(s.name) seed \(options.seed): \(s.members) member(s), \(s.seconds)s, \(s.keys) keys × \(s.clientsPerKey) clients; run folder \(runDir)")

        let loopThread: LoopThread
        let cluster: ChaosCluster
        do {
            loopThread = try LoopThread()
            var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCD") && !$0.key.hasPrefix("KEEL_") }
            env.merge(s.memberEnvironment) { $1 }
            env.merge(options.memberEnvironment) { $1 }
            cluster = try ChaosCluster(size: s.members, runDir: runDir, binary: options.etcdBinary, seed: options.seed,
                                       environment: env, loopThread: loopThread)
            cluster.clockControl = s.faults.contains { $0.skewsClock }
            for m in cluster.members { m.extraArguments = s.memberFlags }
            try cluster.startAll()
        } catch {
            summary.verdicts = [Verdict(check: "startup", passed: false, detail: "\(error)")]
            return finish(summary, cluster: nil, history: [], say: say)
        }
        defer { loopThread.stop() }
        guard cluster.waitHealthy(seconds: 30) else {
            summary.verdicts = [Verdict(check: "startup", passed: false, detail: "cluster not healthy within 30s (see member logs)")]
            return finish(summary, cluster: cluster, history: [], say: say)
        }

        let clock = MonotonicClock()
        let endpoints = cluster.endpoints
        let keyPrefix = "chaos/\(options.seed)"
        let watchers = UncheckedBox(loopThread.sync {
            let w = WatchWorkload(loop: loopThread.loop, endpoints: endpoints, prefix: keyPrefix + "/", watchers: max(2, s.members))
            w.start()
            return w
        })
        let leases = UncheckedBox(loopThread.sync {
            let l = LeaseWorkload(loop: loopThread.loop, clock: clock, endpoints: endpoints, prefix: keyPrefix + "/lease/",
                                  clients: max(2, s.members))
            l.start()
            return l
        })
        let workload = UncheckedBox(loopThread.sync { [options] in
            let w = RegisterWorkload(loop: loopThread.loop, clock: clock, endpoints: endpoints, keyPrefix: keyPrefix,
                                     keys: s.keys, clientsPerKey: s.clientsPerKey, seed: options.seed,
                                     timeoutMilliseconds: options.requestTimeoutMilliseconds)
            w.start()
            return w
        })
        let txns = UncheckedBox(loopThread.sync { [options] in
            let w = TxnWorkload(loop: loopThread.loop, clock: clock, endpoints: endpoints, prefix: Self.txnPrefix(keyPrefix),
                                keys: Self.txnKeys, clients: s.txnClients, seed: options.seed,
                                timeoutMilliseconds: options.requestTimeoutMilliseconds)
            w.start()
            return w
        })

        let locks = LockRun.start(s, loopThread: loopThread, clock: clock, endpoints: endpoints, keyPrefix: keyPrefix, seed: options.seed)

        let archive = HistoryArchive(prefix: keyPrefix + "/")
        let nemesis = NemesisRunner(cluster: cluster, clock: clock, archive: archive)
        nemesis.keyPrefix = keyPrefix
        let steps = NemesisSchedule.make(s, seed: options.seed)
        nemesis.run(steps, log: say)
        let remaining = s.seconds - clock.seconds
        if remaining > 0 { usleep(UInt32(remaining * 1_000_000)) }
        nemesis.healAll()
        let _: Bool = loopThread.await { done in workload.value.stop { done(true) } }
        let _: Bool = loopThread.await { done in txns.value.stop { done(true) } }
        locks?.drain()
        let history = (loopThread.sync { workload.value.history } + nemesis.stressHistory).sorted { $0.id < $1.id }
        let txnHistory = loopThread.sync { txns.value.history }.sorted { $0.id < $1.id }
        summary.txns = TxnCounts(txnHistory, keys: s.txnClients > 0 ? Self.txnKeys : 0)
        // Read the lease keys while they are still renewed, then stop renewing.
        let leaseRecords = EndOfRunProbes.leaseKeys(cluster, loopThread.sync { leases.value.stop() }, clock: clock)
        let leaseVerdict = LeaseChecker.check(leaseRecords, clocks: nemesis.clockAllowance)
        RunReport.writeLeases(leaseRecords, runDir: runDir)
        summary.faults = nemesis.events
        summary.proxyResets = cluster.proxyResets
        say(String(format: "%6.2fs healed; workload stopped after %d ops; checking", clock.seconds, history.count))

        let progress = EndOfRunChecks.progressAfterHeal(EndOfRunProbes.progress(cluster, keyPrefix: keyPrefix, seconds: 30))
        let (revision, hashes) = EndOfRunProbes.hashes(cluster, seconds: 20)
        let hashVerdict = EndOfRunChecks.hashesAgree(revision: revision, hashes)
        let membershipVerdicts = [MembershipChecker.check(EndOfRunProbes.membership(cluster, seconds: 15), expectedNames: cluster.members.map(\.name)),
                                  nemesis.findingsVerdict]
        let acked = EndOfRunChecks.acknowledgedWrites(history)
        let _: Bool = loopThread.await { done in watchers.value.waitFor(revision: revision, seconds: 20) { done(true) } }
        let recordings = loopThread.sync { watchers.value.stop(lastRevision: revision) }
        let compactedAt = Set(archive.compactions)
        let liveWatchVerdict = LiveWatchChecker.check(recordings, firstRevision: 2, lastRevision: revision, acknowledged: acked,
                                                      compactedAt: compactedAt)
        // A read below the last compaction fails by design; those writes are checked in the archived history.
        let probed = acked.filter { $0.revision! >= archive.compactedThrough }
        var ackVerdict = EndOfRunChecks.acknowledgedWritesPresent(EndOfRunProbes.acknowledgedWrites(cluster, probed))
        if probed.count < acked.count {
            ackVerdict.detail += " (\(acked.count - probed.count) more below compaction \(archive.compactedThrough): checked in the watch history)"
        }
        // The store's own history (archived before each compaction, the rest read now): the watch
        // checker, and unknown writes settled before the search.
        let (events, watchError) = archive.complete(cluster.admin[0], untilRevision: revision, seconds: 20)
        summary.storeEvents = events.count
        var watchVerdict = WatchChecker.check(events: events, firstRevision: 2, lastRevision: revision, acknowledged: acked)
        if let watchError, !watchVerdict.passed { watchVerdict.evidence.insert("watch: \(watchError)", at: 0) }
        let (resolved, settled) = UnknownResolution.resolve(history, events: events)
        summary.unknownNeverApplied = settled
        RunReport.write(summary, history: history)  // kept even if the search below is interrupted
        say("checking linearizability of \(resolved.count) ops (\(settled) unknown writes never applied)")
        let started = MonotonicClock()
        let lin = LinearizabilityChecker.verdict(resolved, secondsPerKey: 60)
        summary.checkerSeconds = started.seconds
        let unattributed = cluster.unattributedConnections
        let injection = Verdict(check: "fault-injection", passed: unattributed == 0,
                                detail: unattributed == 0 ? "every peer connection attributed to its directed link"
                                    : "\(unattributed) peer connection(s) the proxy could not attribute: link faults may not have applied")
        summary.verdicts = [lin, progress, hashVerdict, ackVerdict, watchVerdict, liveWatchVerdict, leaseVerdict, injection] + membershipVerdicts
        if s.txnClients > 0 { summary.verdicts.append(Self.checkTxns(txnHistory, events: events, keyPrefix: keyPrefix)) }
        if let locks { summary.verdicts.append(locks.verdict(events: events, lastRevision: revision, runDir: runDir)) }
        return finish(summary, cluster: cluster, history: history, txns: txnHistory, say: say)
    }

    private func finish(_ base: RunSummary, cluster: ChaosCluster?, history: [RegisterOperation], txns: [TxnOperation] = [],
                        say: (String) -> Void) -> RunSummary {
        var summary = base
        summary.count(history)
        cluster?.shutdown()
        RunReport.write(summary, history: history)
        Self.writeTxnAndTimeline(summary, registers: history, txns: txns, seconds: options.scenario.seconds)
        for line in summary.lines { say(line) }
        if summary.passed && !options.keepData, let cluster {
            for m in cluster.members { try? FileManager.default.removeItem(atPath: m.dataDir) }
        }
        return summary
    }
}
