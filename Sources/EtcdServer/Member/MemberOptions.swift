import Raft

/// What a member needs to know to start, independent of how it was configured (flags,
/// environment or config file: see `EtcdConfig`).
public struct MemberOptions: Sendable {
    public var name = "default"
    public var dataDirectory = "default.etcd"
    public var walDirectory: String? = nil
    /// The URLs this member advertises to clients and peers.
    public var advertiseClientURLs = ["http://localhost:2379"]
    public var advertisePeerURLs = ["http://localhost:2380"]
    /// Where the member accepts connections from its peers. Empty: no peer listener (a member
    /// built in-process for a test; the `etcd` command always listens, like etcd).
    public var listenPeerURLs: [String] = []
    /// Every member of a new cluster: name and peer URLs.
    public var initialCluster: [(name: String, peerURLs: [String])] = [("default", ["http://localhost:2380"])]
    public var initialClusterToken = "etcd-cluster"
    public var initialClusterStateNew = true
    /// Refuse membership changes that would leave too few started or connected voters.
    public var strictReconfigCheck = true
    public var heartbeatIntervalMilliseconds: UInt64 = 100
    public var electionTimeoutMilliseconds: UInt64 = 1000
    public var snapshotCount: UInt64 = 100_000
    /// Entries kept behind a snapshot so a slightly slow follower needs no snapshot.
    public var snapshotCatchUpEntries: UInt64 = 5000
    /// When set (--experimental-enable-lease-checkpoint), the leader checkpoints remaining lease
    /// TTLs this often, so a new leader does not restart them from the full TTL.
    public var leaseCheckpointIntervalMilliseconds: UInt64?
    public var quotaBackendBytes: Int64 = 2 << 30
    public var maxRequestBytes = 1_572_864
    public var maxTxnOps = 128
    /// How often a watcher that asked for progress notifications and saw no event gets one.
    public var watchProgressNotifyIntervalMilliseconds: UInt64 = 600_000
    public var autoCompaction: EtcdConfig.AutoCompaction = .disabled
    /// TLS for https client and peer URLs (see `TransportSecurity`); empty: plain TCP only.
    public var security = TransportSecurity()
    public var auth = AuthOptions()
    /// etcd's request timeout: 5 s plus twice the election timeout.
    public var requestTimeoutMilliseconds: UInt64 { 5000 + 2 * electionTimeoutMilliseconds }
    public var electionTicks: Int { max(1, Int(electionTimeoutMilliseconds / max(1, heartbeatIntervalMilliseconds))) }

    public init() {}

    var memberDirectory: String { dataDirectory + "/member" }
    var snapDirectory: String { memberDirectory + "/snap" }
    var resolvedWALDirectory: String { walDirectory ?? memberDirectory + "/wal" }
}
