import Foundation
import Testing

@testable import EtcdServer

/// Parses and expects a configuration to run with.
private func config(_ arguments: [String], env: [String: String] = [:]) throws -> (EtcdConfig, [ConfigNote]) {
    switch EtcdConfig.parse(arguments: arguments, environment: env) {
    case .run(let config, let notes): return (config, notes)
    case let other: throw ConfigError("expected a configuration, got \(other)")
    }
}

/// Parses and expects a failure.
private func failure(_ arguments: [String], env: [String: String] = [:]) -> ConfigFailure? {
    if case .failure(let failure) = EtcdConfig.parse(arguments: arguments, environment: env) { return failure }
    return nil
}

private func url(_ text: String) throws -> EtcdURL { try EtcdURL.parse(text) }

private func writeTemp(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "keel-config-\(UUID().uuidString).yml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite struct ConfigTests {
    @Test func defaultsAreEtcds() throws {
        let (c, notes) = try config([])
        #expect(c.name == "default")
        #expect(c.dataDir == "default.etcd")
        #expect(c.resolvedWALDir == "default.etcd/member/wal")
        #expect(c.listenClientURLs == [try url("http://localhost:2379")])
        #expect(c.advertiseClientURLs == [try url("http://localhost:2379")])
        #expect(c.listenPeerURLs == [try url("http://localhost:2380")])
        #expect(c.initialAdvertisePeerURLs == [try url("http://localhost:2380")])
        #expect(c.initialCluster == "default=http://localhost:2380")
        #expect(c.initialClusterState == .new)
        #expect(c.initialClusterToken == "etcd-cluster")
        #expect(c.snapshotCount == 100_000)
        #expect(c.heartbeatIntervalMs == 100 && c.electionTimeoutMs == 1000)
        #expect(c.electionTicks == 10)
        #expect(c.quotaBackendBytes == 0 && c.effectiveQuotaBackendBytes == 2_147_483_648)
        #expect(c.autoCompactionMode == "periodic" && c.autoCompactionRetention == "0")
        #expect(try c.parsedAutoCompaction() == .disabled)
        #expect(c.maxRequestBytes == 1_572_864 && c.maxTxnOps == 128)
        #expect(c.grpcKeepAliveMinTime == .seconds(5) && c.grpcKeepAliveInterval == .seconds(7200) && c.grpcKeepAliveTimeout == .seconds(20))
        #expect(c.logLevel == "info" && c.effectiveLogLevel == .info)
        #expect(c.strictReconfigCheck && !c.enableV2 && !c.forceNewCluster)
        #expect(notes.contains(ConfigNote(.warn, "'data-dir' was empty; using default", [LogField("data-dir", .string("default.etcd"))])))
    }

    @Test func flagSyntaxesOfGosFlagPackage() throws {
        let (c, _) = try config([
            "--name", "n1", "-data-dir=/var/lib/n1", "--snapshot-count=5000", "-heartbeat-interval", "50",
            "--election-timeout", "500", "--force-new-cluster", "--strict-reconfig-check=false", "--enable-v2",
            "--quota-backend-bytes", "0x100000", "--grpc-keepalive-interval", "1h30m", "--log-level", "debug",
            "--logger=zap", "--log-outputs", "stderr", "--enable-pprof", "--experimental-enable-lease-checkpoint",
            "--cert-file", "/c.pem", "--key-file=/k.pem", "--peer-client-cert-auth",
        ])
        #expect(c.name == "n1" && c.dataDir == "/var/lib/n1")
        #expect(c.snapshotCount == 5000 && c.heartbeatIntervalMs == 50 && c.electionTimeoutMs == 500)
        #expect(c.forceNewCluster && !c.strictReconfigCheck && c.enableV2 && c.enablePprof)
        #expect(c.quotaBackendBytes == 1 << 20)
        #expect(c.grpcKeepAliveInterval == .seconds(5400))
        #expect(c.effectiveLogLevel == .debug && c.logger == "zap" && c.logOutputs == ["stderr"])
        #expect(c.clientTLS.certFile == "/c.pem" && c.clientTLS.keyFile == "/k.pem" && c.peerTLS.clientCertAuth)
        // Only the name changed: the initial cluster follows it, as in etcd.
        #expect(c.initialCluster == "n1=http://localhost:2380")
    }

    @Test func urlListsAreValidatedAndSorted() throws {
        let (c, _) = try config([
            "--listen-client-urls", "http://127.0.0.1:2379,http://[::1]:12379, unix://sock:1",
            "--advertise-client-urls", "https://10.0.0.1:2379",
        ])
        #expect(c.listenClientURLs.map(\.description) == ["http://127.0.0.1:2379", "http://[::1]:12379", "unix://sock:1"])
        #expect(c.listenClientURLs[1].host == "::1" && c.listenClientURLs[1].port == 12379)
        #expect(c.advertiseClientURLs.first?.isSecure == true)

        let cases: [(String, String)] = [
            ("foo", "URL scheme must be http, https, unix, or unixs: foo"),
            ("http://localhost", "URL address does not have the form \"host:port\": http://localhost"),
            ("http://localhost:2379/x", "URL must not contain a path: http://localhost:2379/x"),
            ("http://localhost:abc", "parse \"http://localhost:abc\": invalid port \":abc\" after host"),
        ]
        for (value, reason) in cases {
            let f = failure(["--listen-client-urls", value])
            #expect(f?.kind == .usage)
            #expect(f?.exitCode == 2)
            #expect(f?.message == "invalid value \"\(value)\" for flag -listen-client-urls: \(reason)")
        }
        #expect(failure(["--listen-peer-urls", "http://example.com:2380"])?.message
            == "expected IP in URL for binding (http://example.com:2380)")
        #expect(failure(["--initial-advertise-peer-urls", "http://:2380"])?.message
            == "--initial-advertise-peer-urls \"http://:2380\" must be \"host:port\" (unexpected empty host (http://:2380))")
    }

    @Test func flagErrorsReadLikeEtcds() {
        let unknown = failure(["--foo"])
        #expect(unknown?.message == "flag provided but not defined: -foo")
        #expect(unknown?.exitCode == 2)
        #expect(unknown?.usageText.hasPrefix("flag provided but not defined: -foo\nUsage:\n\n  etcd [flags]\n") == true)
        #expect(failure(["--name"])?.message == "flag needs an argument: -name")
        #expect(failure(["--force-new-cluster=maybe"])?.message == "invalid boolean value \"maybe\" for -force-new-cluster: parse error")
        #expect(failure(["--initial-cluster-state", "bogus"])?.message == "invalid value \"bogus\" for flag -initial-cluster-state: invalid value")
        #expect(failure(["--snapshot-count", "abc"])?.message == "invalid value \"abc\" for flag -snapshot-count: parse error")
        #expect(failure(["--snapshot-count", "-1"])?.message == "invalid value \"-1\" for flag -snapshot-count: parse error")
        #expect(failure(["--heartbeat-interval", "99999999999999999999999"])?.message
            == "invalid value \"99999999999999999999999\" for flag -heartbeat-interval: value out of range")
        #expect(failure(["--max-concurrent-streams", "abc"])?.message
            == "invalid value \"abc\" for flag -max-concurrent-streams: strconv.ParseUint: parsing \"abc\": invalid syntax")
        #expect(failure(["---name"])?.message == "bad flag syntax: ---name")

        let extra = failure(["extra"])
        #expect(extra?.kind == .verification && extra?.exitCode == 1)
        #expect(extra?.message == "'extra' is not a valid flag")
        #expect(failure(["--", "--name", "x"])?.message == "'--name' is not a valid flag")
    }

    @Test func verificationErrorsReadLikeEtcds() {
        #expect(failure(["--listen-client-urls", "http://127.0.0.1:2399"])?.message
            == "--advertise-client-urls is required when --listen-client-urls is set explicitly")
        #expect(failure(["--heartbeat-interval", "600"])?.message
            == "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[600ms]")
        #expect(failure(["--election-timeout", "60000"])?.message
            == "--election-timeout[60000ms] is too long, and should be set less than 50000ms")
        #expect(failure(["--heartbeat-interval", "0"])?.message == "--heartbeat-interval must be >0 (set to 0ms)")
        #expect(failure(["--auto-compaction-mode", "foo"])?.message == "unknown auto-compaction-mode \"foo\"")
        #expect(failure(["--logger", "bogus"])?.message == "unknown logger option \"bogus\"")
        #expect(failure(["--log-outputs", "default,/tmp/x.log"])?.message == "multi logoutput for \"default\" is not supported yet")
        #expect(failure(["--discovery", "http://x", "--initial-cluster", "a=http://localhost:2380"])?.message
            == "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", \"discovery\" or \"discovery-srv\"")
        #expect(failure(["--auto-compaction-retention", "1x"])?.message
            == "error parsing CompactionRetention: time: invalid duration \"1x\"")
    }

    @Test func retiredFlagsAreAcceptedWithAWarning() throws {
        let (_, notes) = try config(["-v", "--peer-heartbeat-interval=5"])
        #expect(notes.contains(ConfigNote(.warn, "flag \"-v\" is no longer supported - ignoring.")))
        #expect(notes.contains(ConfigNote(.warn, "flag \"-peer-heartbeat-interval\" is no longer supported - ignoring.")))
    }

    @Test func discoveryReplacesTheDefaultInitialCluster() throws {
        let (c, _) = try config(["--discovery", "https://discovery.etcd.io/abc"])
        #expect(c.initialCluster == "")
        #expect(c.discovery == "https://discovery.etcd.io/abc")
    }

    @Test func helpAndVersion() {
        guard case .printHelp(let usage, let flags) = EtcdConfig.parse(arguments: ["-h"], environment: [:]) else {
            Issue.record("expected help")
            return
        }
        #expect(usage.hasPrefix("Usage:\n\n  etcd [flags]"))
        #expect(flags.contains("  --name 'default'\n    Human-readable name for this member.\n"))
        #expect(flags.contains("--initial-cluster 'default=http://localhost:2380'"))
        if case .printHelp = EtcdConfig.parse(arguments: ["--help"], environment: [:]) {} else { Issue.record("--help") }
        if case .printVersion = EtcdConfig.parse(arguments: ["--version"], environment: [:]) {} else { Issue.record("--version") }
        // Flags before --version are still checked; a valid one does not prevent printing.
        if case .printVersion = EtcdConfig.parse(arguments: ["--quota-backend-bytes", "0x10", "-version=1"], environment: [:]) {} else {
            Issue.record("-version=1")
        }
        #expect(EtcdConfig.versionText(serverVersion: "3.4.23").hasPrefix("etcd Version: 3.4.23\nGit SHA: "))
    }

    @Test func environmentVariables() throws {
        let (c, notes) = try config(["--name", "n1"], env: [
            "ETCD_SNAPSHOT_COUNT": "42", "ETCD_INITIAL_CLUSTER_STATE": "existing", "ETCD_FORCE_NEW_CLUSTER": "true",
            "ETCD_LISTEN_CLIENT_URLS": "http://127.0.0.1:3379", "ETCD_ADVERTISE_CLIENT_URLS": "http://127.0.0.1:3379",
            "ETCD_FOO": "1", "PATH": "/bin",
        ])
        #expect(c.snapshotCount == 42 && c.initialClusterState == .existing && c.forceNewCluster)
        #expect(c.listenClientURLs == [try url("http://127.0.0.1:3379")])
        #expect(notes.contains(ConfigNote(.warn, "unrecognized environment variable", [LogField("environment-variable", .string("ETCD_FOO=1"))])))
        #expect(notes.contains { $0.message == "recognized and used environment variable" })

        #expect(failure(["--name", "y"], env: ["ETCD_NAME": "x"])?.message
            == "conflicting environment variable \"ETCD_NAME\" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)")
        #expect(failure([], env: ["ETCD_SNAPSHOT_COUNT": "abc"])?.message == "invalid value \"abc\" for ETCD_SNAPSHOT_COUNT: parse error")
        // A listen URL from the environment counts as set: advertise must be given too.
        #expect(failure([], env: ["ETCD_LISTEN_CLIENT_URLS": "http://127.0.0.1:3379"])?.message
            == "--advertise-client-urls is required when --listen-client-urls is set explicitly")
    }

    @Test func configFileWinsOverFlagsAndEnvironment() throws {
        let path = try writeTemp("""
            name: infra1
            data-dir: /var/lib/infra1
            listen-client-urls: http://127.0.0.1:12379
            advertise-client-urls: http://127.0.0.1:12379
            listen-peer-urls: http://127.0.0.1:12380
            initial-advertise-peer-urls: http://127.0.0.1:12380
            initial-cluster: infra1=http://127.0.0.1:12380
            initial-cluster-state: existing
            snapshot-count: 1000
            heartbeat-interval: 50
            election-timeout: 500
            quota-backend-bytes: 8589934592
            grpc-keepalive-min-time: 2000000000
            grpc-keepalive-timeout: 30s
            log-outputs: [stderr]
            logger: zap
            force-new-cluster: true
            unknown-key: whatever
            client-transport-security:
              cert-file: /etc/c.pem
              client-cert-auth: true
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (c, notes) = try config(["--config-file", path, "--name", "ignored"], env: ["ETCD_SNAPSHOT_COUNT": "7"])
        #expect(c.configFile == path)
        #expect(c.name == "infra1" && c.dataDir == "/var/lib/infra1")
        #expect(c.listenClientURLs == [try url("http://127.0.0.1:12379")])
        #expect(c.initialCluster == "infra1=http://127.0.0.1:12380" && c.initialClusterState == .existing)
        #expect(c.snapshotCount == 1000 && c.heartbeatIntervalMs == 50 && c.electionTimeoutMs == 500)
        #expect(c.quotaBackendBytes == 8 << 30)
        #expect(c.grpcKeepAliveMinTime == .seconds(2) && c.grpcKeepAliveTimeout == .seconds(30))
        #expect(c.logOutputs == ["stderr"] && c.logger == "zap" && c.forceNewCluster)
        #expect(c.clientTLS.certFile == "/etc/c.pem" && c.clientTLS.clientCertAuth)
        #expect(notes.first?.message.hasPrefix("loaded server configuration") == true)

        // ETCD_CONFIG_FILE works too.
        let (fromEnv, _) = try config([], env: ["ETCD_CONFIG_FILE": path])
        #expect(fromEnv.name == "infra1")
    }

    @Test func configFileErrors() throws {
        #expect(failure(["--config-file", "/nonexistent/keel.yml"])?.message == "open /nonexistent/keel.yml: no such file or directory")
        let bad = try writeTemp("snapshot-count: lots\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect(failure(["--config-file", bad])?.message.contains("snapshot-count") == true)
        let badURL = try writeTemp("listen-client-urls: localhost:2379\n")
        defer { try? FileManager.default.removeItem(atPath: badURL) }
        #expect(failure(["--config-file", badURL])?.message
            == "unexpected error setting up listen-client-urls: URL scheme must be http, https, unix, or unixs: localhost:2379")
        let notYAML = try writeTemp("name: [unclosed\n")
        defer { try? FileManager.default.removeItem(atPath: notYAML) }
        #expect(failure(["--config-file", notYAML])?.message.hasPrefix("error converting YAML to JSON") == true)
        let invalid = try writeTemp("heartbeat-interval: 600\n")
        defer { try? FileManager.default.removeItem(atPath: invalid) }
        #expect(failure(["--config-file", invalid])?.message
            == "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[600ms]")
    }

    @Test func initialClusterAndCompaction() throws {
        var c = EtcdConfig()
        c.initialCluster = "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,a=http://10.0.0.3:2380"
        let members = try c.parsedInitialCluster()
        #expect(members.map(\.name) == ["a", "b"])
        #expect(members[0].peerURLs.map(\.description) == ["http://10.0.0.1:2380", "http://10.0.0.3:2380"])
        c.autoCompactionRetention = "1"
        #expect(try c.parsedAutoCompaction() == .periodic(.seconds(3600)))
        c.autoCompactionRetention = "5m"
        #expect(try c.parsedAutoCompaction() == .periodic(.seconds(300)))
        c.autoCompactionMode = "revision"
        c.autoCompactionRetention = "1000"
        #expect(try c.parsedAutoCompaction() == .revision(1000))
    }

    @Test func goValueParsing() throws {
        #expect(GoValues.duration("300ms") == 300_000_000)
        #expect(GoValues.duration("1.5h") == 5_400_000_000_000)
        let expected: Int64 = 9_910_000_000_000  // 2h45m10s
        #expect(GoValues.duration("2h45m10s") == expected)
        #expect(GoValues.duration("1.1s") == 1_100_000_000)
        #expect(GoValues.duration("0") == 0)
        #expect(GoValues.duration("10") == nil)
        #expect(GoValues.duration("") == nil)
        #expect(try GoValues.unsigned("0x10") == 16)
        #expect(try GoValues.unsigned("010") == 8)
        #expect(try GoValues.unsigned("0b101") == 5)
        #expect(try GoValues.signed("-42") == -42)
        #expect(try GoValues.unsigned("1_000") == 1000)
        #expect(try GoValues.unsigned("0x_10") == 16)
        #expect(throws: GoValues.NumberError.self) { try GoValues.unsigned("1__0") }
        #expect(throws: GoValues.NumberError.self) { try GoValues.unsigned("_1") }
        #expect(throws: GoValues.NumberError.self) { try GoValues.unsigned("1_") }
        #expect(throws: GoValues.NumberError.self) { try GoValues.unsigned("09") }
        #expect(GoValues.bool("T") == true && GoValues.bool("0") == false && GoValues.bool("yes") == nil)
        #expect(GoDuration.format(seconds: 7200) == "2h0m0s")
        #expect(GoDuration.format(seconds: 0.1) == "100ms")
        #expect(GoDuration.format(seconds: 1.5) == "1.5s")
        #expect(GoDuration.format(seconds: 0) == "0s")
    }
}

@Suite struct LoggerTests {
    /// A pipe whose read end collects what the logger writes.
    private final class Capture {
        let readFD: Int32
        let writeFD: Int32
        init() {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0)
            readFD = fds[0]
            writeFD = fds[1]
        }
        func lines() -> [String] {
            close(writeFD)
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                bytes += chunk[0..<n]
            }
            close(readFD)
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    @Test func jsonLinesLikeZap() throws {
        let capture = Capture()
        let fixed = Date(timeIntervalSince1970: 1_795_737_599.123)  // 2026-11-26T23:59:59.123Z
        let log = Logger(level: .info, fd: capture.writeFD, clock: { fixed })
        log.info("ready to serve client requests", ["address": .string("127.0.0.1:2379"), "count": .int(3), "ok": .bool(true),
                                                    "urls": .strings(["http://a:1", "http://b:2"]), "took": .duration(seconds: 0.25)])
        log.debug("dropped below the level")
        log.warn("quote \" and \n newline")
        let lines = capture.lines()
        #expect(lines.count == 2)
        let first = lines[0]
        #expect(first.hasPrefix("{\"level\":\"info\",\"ts\":\"2026-11-26T23:59:59.123Z\",\"caller\":\"EtcdServerTests/ConfigTests.swift:"))
        #expect(first.hasSuffix("\"msg\":\"ready to serve client requests\",\"address\":\"127.0.0.1:2379\",\"count\":3,\"ok\":true,\"urls\":[\"http://a:1\",\"http://b:2\"],\"took\":\"250ms\"}"))
        // Every line is valid JSON.
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["msg"] != nil)
        }
        #expect(lines[1].contains("\"msg\":\"quote \\\" and \\n newline\""))
    }

    @Test func linesFromManyThreadsNeverInterleave() throws {
        let capture = Capture()
        let log = Logger(level: .info, fd: capture.writeFD)
        let payload = String(repeating: "x", count: 200)  // total stays under the 64 KiB pipe buffer
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<15 { log.info("line", ["thread": .int(Int64(thread)), "i": .int(Int64(i)), "pad": .string(payload)]) }
        }
        let lines = capture.lines()
        #expect(lines.count == 120)
        #expect(lines.allSatisfy { $0.hasPrefix("{\"level\":\"info\"") && $0.hasSuffix("\"}") })
    }

    @Test func outputsToAFile() throws {
        let path = NSTemporaryDirectory() + "keel-log-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try Logger(level: .warn, outputs: [path])
        log.info("not written")
        log.warn("written", ["n": 1])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 1)
        #expect(text.contains("\"level\":\"warn\"") && text.contains("\"msg\":\"written\",\"n\":1}"))
        #expect(throws: ConfigError.self) { try Logger(level: .info, outputs: ["/nonexistent-dir/x.log"]) }
    }

    @Test func levelsParse() {
        #expect(LogLevel(name: "warn") == .warn)
        #expect(LogLevel(name: "DEBUG") == .debug)
        #expect(LogLevel(name: "bogus") == nil)
    }
}
