/// Everything the `etcd` command line, `ETCD_*` environment variables or a `--config-file`
/// can say, with etcd 3.4's names and defaults. Flags Keel accepts but does not act on
/// (proxy, discovery, pprof, v2...) are kept too, so a command line written for etcd parses
/// unchanged. `EtcdConfig.parse(arguments:environment:)` builds it.
public struct EtcdConfig: Sendable, Equatable {
    public enum ClusterState: String, Sendable { case new, existing }

    /// Transport security of one side (client or peer), kept for the security work.
    public struct TLS: Sendable, Equatable {
        public var certFile = ""
        public var keyFile = ""
        public var clientCertAuth = false
        public var trustedCAFile = ""
        public var crlFile = ""
        public var autoTLS = false
        public var allowedHostname = ""
        /// Peer side only: the CN a peer certificate must carry.
        public var allowedCN = ""
        public var skipClientSANVerify = false

        public init() {}

        public var isEmpty: Bool { certFile.isEmpty && keyFile.isEmpty && !autoTLS }
    }

    // Member.
    public var name = "default"
    /// Empty until resolved; `resolvedDataDir` gives `${name}.etcd` then, as etcd does.
    public var dataDir = ""
    public var walDir = ""
    public var snapshotCount: UInt64 = 100_000
    public var maxSnapshots: UInt = 5
    public var maxWALs: UInt = 5
    public var heartbeatIntervalMs: UInt = 100
    public var electionTimeoutMs: UInt = 1000
    public var initialElectionTickAdvance = true
    public var listenPeerURLs = [EtcdURL(scheme: "http", host: "localhost", portText: "2380")]
    public var listenClientURLs = [EtcdURL(scheme: "http", host: "localhost", portText: "2379")]
    public var listenMetricsURLs: [EtcdURL] = []
    /// 0 means etcd's default quota, 2 GiB: see `effectiveQuotaBackendBytes`.
    public var quotaBackendBytes: Int64 = 0
    public var backendBatchInterval: Duration = .zero
    public var backendBatchLimit = 0
    public var maxTxnOps: UInt = 128
    public var maxRequestBytes: UInt = 1_572_864
    public var maxConcurrentStreams: UInt32 = .max
    public var grpcKeepAliveMinTime: Duration = .seconds(5)
    public var grpcKeepAliveInterval: Duration = .seconds(2 * 3600)
    public var grpcKeepAliveTimeout: Duration = .seconds(20)

    // Clustering.
    public var initialAdvertisePeerURLs = [EtcdURL(scheme: "http", host: "localhost", portText: "2380")]
    /// Empty when `--listen-client-urls` is given without it (an error at validation).
    public var advertiseClientURLs = [EtcdURL(scheme: "http", host: "localhost", portText: "2379")]
    public var discovery = ""
    public var discoveryFallback = "proxy"
    public var discoveryProxy = ""
    public var discoverySrv = ""
    public var discoverySrvName = ""
    public var initialCluster = "default=http://localhost:2380"
    public var initialClusterToken = "etcd-cluster"
    public var initialClusterState = ClusterState.new
    public var strictReconfigCheck = true
    public var enableV2 = false
    public var preVote = false
    public var autoCompactionRetention = "0"
    public var autoCompactionMode = "periodic"

    // v2 proxy (accepted, not implemented).
    public var proxy = "off"
    public var proxyFailureWaitMs: UInt = 5000
    public var proxyRefreshIntervalMs: UInt = 30000
    public var proxyDialTimeoutMs: UInt = 1000
    public var proxyWriteTimeoutMs: UInt = 5000
    public var proxyReadTimeoutMs: UInt = 0

    // Security.
    public var clientTLS = TLS()
    public var peerTLS = TLS()
    public var cipherSuites: [String] = []
    public var cors = ["*"]
    public var hostWhitelist = ["*"]

    // Auth.
    public var authToken = "simple"
    public var bcryptCost: UInt = 10
    public var authTokenTTL: UInt = 300

    // Profiling and monitoring.
    public var enablePprof = false
    public var metrics = "basic"
    public var enableGRPCGateway = true

    // Logging. Keel always writes zap-style JSON; `logger` is kept to accept both values.
    public var logger = "capnslog"
    public var logOutputs = ["default"]
    public var logLevel = "info"
    public var debug = false
    public var logPackageLevels = ""

    // Experimental.
    public var experimentalInitialCorruptCheck = false
    public var experimentalCorruptCheckTime: Duration = .zero
    public var experimentalEnableV2V3 = ""
    public var experimentalBackendFreelistType = "array"
    public var experimentalEnableLeaseCheckpoint = false
    public var experimentalEnableLeaseCheckpointPersist = false
    /// How often the leader checkpoints remaining lease TTLs when checkpoints are enabled
    /// (etcd's LeaseCheckpointInterval, 5 minutes, which etcd sets only in its own tests).
    public var experimentalLeaseCheckpointInterval: Duration = .seconds(300)
    public var experimentalCompactionBatchLimit = 0
    /// Entries the leader keeps behind a snapshot for slow followers (etcd 3.5's
    /// --experimental-snapshot-catchup-entries; 3.4 hard-codes 5000). Not in 3.4's help text.
    public var experimentalSnapshotCatchUpEntries: UInt64 = 5000
    public var experimentalWatchProgressNotifyInterval: Duration = .seconds(600)
    public var experimentalWarningApplyDuration: Duration = .milliseconds(100)

    // Unsafe.
    public var unsafeNoFsync = false
    public var forceNewCluster = false

    /// The config file this configuration came from, if any.
    public var configFile = ""

    public init() {}

    /// `--data-dir`, or `${name}.etcd` when it was not given.
    public var resolvedDataDir: String { dataDir.isEmpty ? "\(name).etcd" : dataDir }

    /// `--wal-dir`, or the member's `wal` directory inside the data directory.
    public var resolvedWALDir: String { walDir.isEmpty ? resolvedDataDir + "/member/wal" : walDir }

    /// etcd's backend quota: 0 means the default of 2 GiB.
    public var effectiveQuotaBackendBytes: Int64 { quotaBackendBytes <= 0 ? 2 << 30 : quotaBackendBytes }

    /// `--log-level` (or `--debug`) as a level.
    public var effectiveLogLevel: LogLevel { debug ? .debug : LogLevel(name: logLevel) ?? .info }

    /// etcd's election ticks: the election timeout in heartbeats.
    public var electionTicks: Int { Int(electionTimeoutMs / max(1, heartbeatIntervalMs)) }

    /// `--initial-cluster` as (name, peer URLs) in the order written. Throws etcd's message
    /// for a malformed entry.
    public func parsedInitialCluster() throws(ConfigError) -> [(name: String, peerURLs: [EtcdURL])] {
        var members: [(name: String, peerURLs: [EtcdURL])] = []
        for item in initialCluster.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else {
                throw ConfigError("error setting up initial cluster: URL address does not have the form \"host:port\": \(item)")
            }
            let url = try EtcdURL.parse(String(pair[1]).trimmingCharacters(in: .whitespaces))
            if let i = members.firstIndex(where: { $0.name == pair[0] }) {
                members[i].peerURLs.append(url)
            } else {
                members.append((String(pair[0]), [url]))
            }
        }
        return members
    }

    /// The auto compaction this configuration asks for, parsed as etcd does: a bare number is
    /// hours (periodic) or revisions (revision mode); otherwise a Go duration.
    public enum AutoCompaction: Sendable, Equatable {
        case disabled
        case periodic(Duration)
        case revision(Int64)
    }

    public func parsedAutoCompaction() throws(ConfigError) -> AutoCompaction {
        let text = autoCompactionRetention.isEmpty ? "0" : autoCompactionRetention
        if let number = Int64(text), number >= 0 {
            if number == 0 { return .disabled }
            return autoCompactionMode == "revision" ? .revision(number) : .periodic(.seconds(number * 3600))
        }
        guard let nanos = GoValues.duration(text) else {
            throw ConfigError("error parsing CompactionRetention: time: invalid duration \"\(text)\"")
        }
        return nanos == 0 ? .disabled : .periodic(.nanoseconds(nanos))
    }
}

extension Duration {
    /// Seconds as a floating-point number (for logs and timers).
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Go's `time.Duration.String()` of this duration.
    public var goString: String { GoDuration.format(seconds: secondsValue) }
}

import Foundation
