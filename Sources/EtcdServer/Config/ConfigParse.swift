extension EtcdConfig {
    /// Reads etcd's command line, `ETCD_*` environment variables and `--config-file` with
    /// etcd 3.4's rules:
    /// - flags are parsed first (Go flag syntax); errors there exit 2 with the usage text;
    /// - `--version` and `--help` win over everything after the flags are parsed;
    /// - with a config file (flag or `ETCD_CONFIG_FILE`), the file alone decides: other flags
    ///   and environment variables are ignored;
    /// - otherwise each flag not on the command line may come from `ETCD_<FLAG_NAME>`; a
    ///   variable for a flag that is also on the command line is refused as a conflict;
    /// - the result is checked as etcd checks it, each problem with etcd's message (exit 1).
    public static func parse(arguments: [String], environment: [String: String]) -> ParseOutcome {
        let flags = EtcdFlag.all
        var config = EtcdConfig()
        var parser = FlagParser()
        do {
            try parser.parse(arguments, into: &config, flags: flags)
        } catch {
            return .failure(error)
        }
        // etcd prints both texts with Println: one newline more than the texts hold.
        if parser.helpRequested { return .printHelp(usage: EtcdUsage.usage + "\n", flags: EtcdUsage.flags + "\n") }
        if let extra = parser.remaining.first {
            return .failure(ConfigFailure(.verification, "'\(extra)' is not a valid flag"))
        }
        if parser.versionRequested { return .printVersion }

        var notes = parser.notes
        if config.configFile.isEmpty { config.configFile = environment["ETCD_CONFIG_FILE"] ?? "" }
        do {
            if config.configFile.isEmpty {
                let fromEnvironment = try config.applyEnvironment(environment, setFlags: parser.setFlags, flags: flags, notes: &notes)
                // etcd's "is this flag set" counts flags set from the environment too.
                config.applyCommandLineDefaults(setFlags: Set(parser.setFlags + fromEnvironment))
            } else {
                let path = config.configFile
                config = try EtcdConfig.fromFile(path)
                notes.append(ConfigNote(.info, "loaded server configuration, other configuration command line flags and environment variables will be ignored if provided",
                                        [LogField("path", .string(path))]))
            }
            try config.validate()
        } catch {
            return .failure(ConfigFailure(.verification, error.message))
        }
        config.fillNameDependentDefaults(notes: &notes)
        return .run(config, notes: notes)
    }

    /// Sets each flag not given on the command line from its `ETCD_*` variable; returns the
    /// names of the flags it set.
    mutating func applyEnvironment(_ environment: [String: String], setFlags: [String], flags: [EtcdFlag],
                                   notes: inout [ConfigNote]) throws(ConfigError) -> [String] {
        var used: Set<String> = []
        var setNames: [String] = []
        for flag in flags where !setFlags.contains(flag.name) {
            let key = flag.environmentKey
            guard let value = environment[key], !value.isEmpty else { continue }
            used.insert(key)
            setNames.append(flag.name)
            do {
                try flag.set(&self, value)
            } catch {
                throw ConfigError("invalid value \(goQuote(value)) for \(key): \(error.message)")
            }
            notes.append(ConfigNote(.info, "recognized and used environment variable", [LogField("variable-name", .string(key)), LogField("variable-value", .string(value))]))
        }
        let shadowed = Set(flags.filter { setFlags.contains($0.name) }.map(\.environmentKey))
        for key in environment.keys.sorted() where !used.contains(key) {
            if shadowed.contains(key) {
                throw ConfigError("conflicting environment variable \(goQuote(key)) is shadowed by corresponding command-line flag (either unset environment variable or disable flag)")
            }
            if key.hasPrefix("ETCD_") && key != "ETCD_CONFIG_FILE" {
                notes.append(ConfigNote(.warn, "unrecognized environment variable", [LogField("environment-variable", .string("\(key)=\(environment[key]!)"))]))
            }
        }
        return setNames
    }

    /// etcd's command-line-only adjustments: listening on chosen client URLs without saying
    /// what to advertise is an error (not the default advertise URL), and discovery replaces
    /// the default initial cluster.
    mutating func applyCommandLineDefaults(setFlags: Set<String>) {
        if setFlags.contains("listen-client-urls") && !setFlags.contains("advertise-client-urls") && proxy == "off"
            && !(discovery != "" && discoveryFallback == "proxy") {
            advertiseClientURLs = []
        }
        if (!discovery.isEmpty || !discoverySrv.isEmpty || !discoverySrvName.isEmpty) && !setFlags.contains("initial-cluster") {
            initialCluster = ""
        }
    }

    /// What etcd derives from the member name after validation: the initial cluster when only
    /// `--name` was changed, and the data directory.
    mutating func fillNameDependentDefaults(notes: inout [ConfigNote]) {
        if name != "default" && initialCluster == EtcdConfig().initialCluster {
            initialCluster = initialAdvertisePeerURLs.map { "\(name)=\($0)" }.joined(separator: ",")
        }
        if dataDir.isEmpty {
            dataDir = "\(name).etcd"
            notes.append(ConfigNote(.warn, "'data-dir' was empty; using default", [LogField("data-dir", .string(dataDir))]))
        }
    }

    /// etcd's configuration checks, in etcd's order and with its messages.
    public func validate() throws(ConfigError) {
        guard logger == "zap" || logger == "capnslog" else { throw ConfigError("unknown logger option \(goQuote(logger))") }
        guard LogLevel(name: logLevel) != nil else { throw ConfigError("unknown level \(goQuote(logLevel))") }
        if logOutputs.count > 1 && logOutputs.contains("default") {
            throw ConfigError("multi logoutput for \"default\" is not supported yet")
        }
        for urls in [listenPeerURLs, listenClientURLs, listenMetricsURLs] {
            for url in urls where !url.isUnix && url.host != "localhost" && !EtcdURL.isIPLiteral(url.host) {
                throw ConfigError("expected IP in URL for binding (\(url))")
            }
        }
        for (flag, urls) in [("--initial-advertise-peer-urls", initialAdvertisePeerURLs), ("--advertise-client-urls", advertiseClientURLs)] {
            if let bad = urls.first(where: { $0.host.isEmpty }) {
                let all = urls.map(\.description).joined(separator: ",")
                throw ConfigError("\(flag) \(goQuote(all)) must be \"host:port\" (unexpected empty host (\(bad)))")
            }
        }
        let bootstrapSources = [!discovery.isEmpty, !initialCluster.isEmpty, !discoverySrv.isEmpty].filter { $0 }.count
        if bootstrapSources > 1 {
            throw ConfigError("multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", \"discovery\" or \"discovery-srv\"")
        }
        guard heartbeatIntervalMs > 0 else { throw ConfigError("--heartbeat-interval must be >0 (set to \(heartbeatIntervalMs)ms)") }
        guard electionTimeoutMs > 0 else { throw ConfigError("--election-timeout must be >0 (set to \(electionTimeoutMs)ms)") }
        if 5 * heartbeatIntervalMs > electionTimeoutMs {
            throw ConfigError("--election-timeout[\(electionTimeoutMs)ms] should be at least as 5 times as --heartbeat-interval[\(heartbeatIntervalMs)ms]")
        }
        if electionTimeoutMs > 50000 {
            throw ConfigError("--election-timeout[\(electionTimeoutMs)ms] is too long, and should be set less than 50000ms")
        }
        if !listenClientURLs.isEmpty && advertiseClientURLs.isEmpty { throw ConfigError(EtcdConfig.unsetAdvertiseClientURLs) }
        guard ["", "periodic", "revision"].contains(autoCompactionMode) else {
            throw ConfigError("unknown auto-compaction-mode \(goQuote(autoCompactionMode))")
        }
        if experimentalEnableLeaseCheckpointPersist && !experimentalEnableLeaseCheckpoint {
            throw ConfigError("setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint")
        }
        _ = try parsedAutoCompaction()
    }
}
