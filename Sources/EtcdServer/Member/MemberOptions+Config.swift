extension MemberOptions {
    /// The member's options from a parsed etcd configuration.
    public init(config: EtcdConfig) throws(ConfigError) {
        self.init()
        name = config.name
        dataDirectory = config.resolvedDataDir
        walDirectory = config.walDir.isEmpty ? nil : config.walDir
        advertiseClientURLs = config.advertiseClientURLs.map(\.description)
        advertisePeerURLs = config.initialAdvertisePeerURLs.map(\.description)
        listenPeerURLs = config.listenPeerURLs.map(\.description)
        initialCluster = try config.parsedInitialCluster().map { ($0.name, $0.peerURLs.map(\.description)) }
        initialClusterToken = config.initialClusterToken
        initialClusterStateNew = config.initialClusterState == .new
        strictReconfigCheck = config.strictReconfigCheck
        heartbeatIntervalMilliseconds = UInt64(config.heartbeatIntervalMs)
        electionTimeoutMilliseconds = UInt64(config.electionTimeoutMs)
        snapshotCount = config.snapshotCount
        snapshotCatchUpEntries = config.experimentalSnapshotCatchUpEntries
        if config.experimentalEnableLeaseCheckpoint {
            leaseCheckpointIntervalMilliseconds = UInt64(max(1, config.experimentalLeaseCheckpointInterval.secondsValue * 1000))
        }
        quotaBackendBytes = config.effectiveQuotaBackendBytes
        maxRequestBytes = Int(config.maxRequestBytes)
        maxTxnOps = Int(config.maxTxnOps)
        autoCompaction = try config.parsedAutoCompaction()
        auth.tokens = try AuthOptions.parseTokens(config.authToken)
        auth.bcryptCost = Int(min(config.bcryptCost, 1000))
        auth.tokenTTLSeconds = UInt64(config.authTokenTTL)
        watchProgressNotifyIntervalMilliseconds = UInt64(max(1, config.experimentalWatchProgressNotifyInterval.secondsValue * 1000))
    }
}
