/// One flag of the `etcd` command line: how Go's flag package treats it (boolean or taking a
/// value) and how a value is stored into `EtcdConfig`. The same setters serve the command
/// line, `ETCD_*` variables and the config file, so all three accept the same values.
struct EtcdFlag {
    enum Kind { case boolean, value, ignored }

    let name: String
    let kind: Kind
    /// Stores `value`; throws the reason Go's flag package would give ("parse error"...).
    let set: (inout EtcdConfig, String) throws(ConfigError) -> Void

    /// The name of the environment variable for this flag: `ETCD_` + upper snake case.
    var environmentKey: String { "ETCD_" + name.uppercased().replacingOccurrences(of: "-", with: "_") }
}

/// Builders for the kinds of values etcd's flags take.
extension EtcdFlag {
    static func string(_ name: String, _ path: WritableKeyPath<EtcdConfig, String>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value in config[keyPath: path] = value }
    }

    static func bool(_ name: String, _ path: WritableKeyPath<EtcdConfig, Bool>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .boolean) { config, value throws(ConfigError) in
            guard let parsed = GoValues.bool(value) else { throw ConfigError("parse error") }
            config[keyPath: path] = parsed
        }
    }

    static func unsigned<T: FixedWidthInteger & UnsignedInteger>(_ name: String, _ path: WritableKeyPath<EtcdConfig, T>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value throws(ConfigError) in
            do {
                config[keyPath: path] = T(try GoValues.unsigned(value, bits: T.bitWidth))
            } catch GoValues.NumberError.range {
                throw ConfigError("value out of range")
            } catch {
                throw ConfigError("parse error")
            }
        }
    }

    static func signed<T: FixedWidthInteger & SignedInteger>(_ name: String, _ path: WritableKeyPath<EtcdConfig, T>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value throws(ConfigError) in
            do {
                let parsed = try GoValues.signed(value)
                guard let fitted = T(exactly: parsed) else { throw ConfigError("value out of range") }
                config[keyPath: path] = fitted
            } catch let error as ConfigError {
                throw error
            } catch GoValues.NumberError.range {
                throw ConfigError("value out of range")
            } catch {
                throw ConfigError("parse error")
            }
        }
    }

    static func duration(_ name: String, _ path: WritableKeyPath<EtcdConfig, Duration>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value throws(ConfigError) in
            guard let nanos = GoValues.duration(value) else { throw ConfigError("parse error") }
            config[keyPath: path] = .nanoseconds(nanos)
        }
    }

    static func urls(_ name: String, _ path: WritableKeyPath<EtcdConfig, [EtcdURL]>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value throws(ConfigError) in
            config[keyPath: path] = value.isEmpty ? [] : try EtcdURL.parseList(value)
        }
    }

    /// One of a fixed set of words; etcd says only "invalid value" otherwise.
    static func choice(_ name: String, _ valid: [String], _ path: WritableKeyPath<EtcdConfig, String>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value throws(ConfigError) in
            guard valid.contains(value) else { throw ConfigError("invalid value") }
            config[keyPath: path] = value
        }
    }

    /// A comma-separated list; `unique` sorts and removes duplicates as etcd's UniqueStrings.
    static func list(_ name: String, unique: Bool, _ path: WritableKeyPath<EtcdConfig, [String]>) -> EtcdFlag {
        EtcdFlag(name: name, kind: .value) { config, value in
            let items = value.split(separator: ",").map(String.init)
            config[keyPath: path] = unique ? Array(Set(items)).sorted() : items
        }
    }

    /// Flags etcd still accepts and ignores (with a warning).
    static func ignored(_ name: String) -> EtcdFlag {
        EtcdFlag(name: name, kind: .ignored) { _, _ in }
    }
}

extension EtcdFlag {
    /// Every flag etcd 3.4 defines, in its order.
    static var all: [EtcdFlag] { [
        .string("config-file", \.configFile),
        // Member.
        .string("data-dir", \.dataDir),
        .string("wal-dir", \.walDir),
        .urls("listen-peer-urls", \.listenPeerURLs),
        .urls("listen-client-urls", \.listenClientURLs),
        .urls("listen-metrics-urls", \.listenMetricsURLs),
        .unsigned("max-snapshots", \.maxSnapshots),
        .unsigned("max-wals", \.maxWALs),
        .string("name", \.name),
        .unsigned("snapshot-count", \.snapshotCount),
        .unsigned("heartbeat-interval", \.heartbeatIntervalMs),
        .unsigned("election-timeout", \.electionTimeoutMs),
        .bool("initial-election-tick-advance", \.initialElectionTickAdvance),
        .signed("quota-backend-bytes", \.quotaBackendBytes),
        .duration("backend-batch-interval", \.backendBatchInterval),
        .signed("backend-batch-limit", \.backendBatchLimit),
        .unsigned("max-txn-ops", \.maxTxnOps),
        .unsigned("max-request-bytes", \.maxRequestBytes),
        .duration("grpc-keepalive-min-time", \.grpcKeepAliveMinTime),
        .duration("grpc-keepalive-interval", \.grpcKeepAliveInterval),
        .duration("grpc-keepalive-timeout", \.grpcKeepAliveTimeout),
        EtcdFlag(name: "max-concurrent-streams", kind: .value) { config, value throws(ConfigError) in
            // etcd's own Uint32 flag type passes strconv's error through.
            do {
                config.maxConcurrentStreams = UInt32(try GoValues.unsigned(value, bits: 32))
            } catch GoValues.NumberError.range {
                throw ConfigError("strconv.ParseUint: parsing \"\(value)\": value out of range")
            } catch {
                throw ConfigError("strconv.ParseUint: parsing \"\(value)\": invalid syntax")
            }
        },
        // Clustering.
        .urls("initial-advertise-peer-urls", \.initialAdvertisePeerURLs),
        .urls("advertise-client-urls", \.advertiseClientURLs),
        .string("discovery", \.discovery),
        .choice("discovery-fallback", ["exit", "proxy"], \.discoveryFallback),
        .string("discovery-proxy", \.discoveryProxy),
        .string("discovery-srv", \.discoverySrv),
        .string("discovery-srv-name", \.discoverySrvName),
        .string("initial-cluster", \.initialCluster),
        .string("initial-cluster-token", \.initialClusterToken),
        EtcdFlag(name: "initial-cluster-state", kind: .value) { config, value throws(ConfigError) in
            guard let state = EtcdConfig.ClusterState(rawValue: value) else { throw ConfigError("invalid value") }
            config.initialClusterState = state
        },
        .bool("strict-reconfig-check", \.strictReconfigCheck),
        .bool("enable-v2", \.enableV2),
        .bool("pre-vote", \.preVote),
        // v2 proxy.
        .choice("proxy", ["off", "readonly", "on"], \.proxy),
        .unsigned("proxy-failure-wait", \.proxyFailureWaitMs),
        .unsigned("proxy-refresh-interval", \.proxyRefreshIntervalMs),
        .unsigned("proxy-dial-timeout", \.proxyDialTimeoutMs),
        .unsigned("proxy-write-timeout", \.proxyWriteTimeoutMs),
        .unsigned("proxy-read-timeout", \.proxyReadTimeoutMs),
        // Security.
        .string("cert-file", \.clientTLS.certFile),
        .string("key-file", \.clientTLS.keyFile),
        .bool("client-cert-auth", \.clientTLS.clientCertAuth),
        .string("client-crl-file", \.clientTLS.crlFile),
        .string("client-cert-allowed-hostname", \.clientTLS.allowedHostname),
        .string("trusted-ca-file", \.clientTLS.trustedCAFile),
        .bool("auto-tls", \.clientTLS.autoTLS),
        .string("peer-cert-file", \.peerTLS.certFile),
        .string("peer-key-file", \.peerTLS.keyFile),
        .bool("peer-client-cert-auth", \.peerTLS.clientCertAuth),
        .string("peer-trusted-ca-file", \.peerTLS.trustedCAFile),
        .bool("peer-auto-tls", \.peerTLS.autoTLS),
        .string("peer-crl-file", \.peerTLS.crlFile),
        .string("peer-cert-allowed-cn", \.peerTLS.allowedCN),
        .string("peer-cert-allowed-hostname", \.peerTLS.allowedHostname),
        .list("cipher-suites", unique: false, \.cipherSuites),
        .bool("experimental-peer-skip-client-san-verification", \.peerTLS.skipClientSANVerify),
        EtcdFlag(name: "cors", kind: .value) { config, value throws(ConfigError) in
            if value == "*" { config.cors = ["*"]; return }
            config.cors = try EtcdURL.parseList(value).map(\.description)
        },
        .list("host-whitelist", unique: true, \.hostWhitelist),
        // Logging.
        .string("logger", \.logger),
        .list("log-output", unique: true, \.logOutputs),
        .list("log-outputs", unique: true, \.logOutputs),
        .bool("debug", \.debug),
        .string("log-level", \.logLevel),
        .string("log-package-levels", \.logPackageLevels),
        // Version (handled by the parser before anything else).
        EtcdFlag(name: "version", kind: .boolean) { _, value throws(ConfigError) in
            guard GoValues.bool(value) != nil else { throw ConfigError("parse error") }
        },
        .string("auto-compaction-retention", \.autoCompactionRetention),
        .string("auto-compaction-mode", \.autoCompactionMode),
        .bool("enable-pprof", \.enablePprof),
        .string("metrics", \.metrics),
        .string("auth-token", \.authToken),
        .unsigned("bcrypt-cost", \.bcryptCost),
        .unsigned("auth-token-ttl", \.authTokenTTL),
        .bool("enable-grpc-gateway", \.enableGRPCGateway),
        // Experimental.
        .bool("experimental-initial-corrupt-check", \.experimentalInitialCorruptCheck),
        .duration("experimental-corrupt-check-time", \.experimentalCorruptCheckTime),
        .string("experimental-enable-v2v3", \.experimentalEnableV2V3),
        .string("experimental-backend-bbolt-freelist-type", \.experimentalBackendFreelistType),
        .bool("experimental-enable-lease-checkpoint", \.experimentalEnableLeaseCheckpoint),
        .bool("experimental-enable-lease-checkpoint-persist", \.experimentalEnableLeaseCheckpointPersist),
        .duration("experimental-lease-checkpoint-interval", \.experimentalLeaseCheckpointInterval),
        .signed("experimental-compaction-batch-limit", \.experimentalCompactionBatchLimit),
        .unsigned("experimental-snapshot-catchup-entries", \.experimentalSnapshotCatchUpEntries),
        .duration("experimental-watch-progress-notify-interval", \.experimentalWatchProgressNotifyInterval),
        .duration("experimental-warning-apply-duration", \.experimentalWarningApplyDuration),
        // Unsafe.
        .bool("unsafe-no-fsync", \.unsafeNoFsync),
        .bool("force-new-cluster", \.forceNewCluster),
    ] + [
        "cluster-active-size", "cluster-remove-delay", "cluster-sync-interval", "config", "force",
        "max-result-buffer", "max-retry-attempts", "peer-heartbeat-interval", "peer-election-timeout",
        "retry-interval", "snapshot", "v", "vv", "test.coverprofile", "test.outputdir",
    ].map(EtcdFlag.ignored) }
}

import Foundation
