import KVStore

/// The errors of the Cluster RPCs and leadership moves, with etcd 3.4's gRPC codes and messages
/// (api/v3rpc/rpctypes, and api/v3rpc/util.go's mapping from the server's errors).
extension EtcdError {
    static let memberExists = EtcdError(code: Code.failedPrecondition, message: "etcdserver: member ID already exist")
    static let peerURLExists = EtcdError(code: Code.failedPrecondition, message: "etcdserver: Peer URLs already exists")
    static let notEnoughStartedMembers = EtcdError(code: Code.failedPrecondition,
                                                   message: "etcdserver: re-configuration failed due to not enough started members")
    static let badMemberURLs = EtcdError(code: Code.invalidArgument, message: "etcdserver: given member URLs are invalid")
    /// Unknown and removed IDs alike.
    static let memberNotFound = EtcdError(code: Code.notFound, message: "etcdserver: member not found")
    static let memberNotLearner = EtcdError(code: Code.failedPrecondition, message: "etcdserver: can only promote a learner member")
    static let learnerNotReady = EtcdError(code: Code.failedPrecondition,
                                           message: "etcdserver: can only promote a learner member which is in sync with leader")
    static let tooManyLearners = EtcdError(code: Code.failedPrecondition, message: "etcdserver: too many learner members in cluster")
    static let unhealthy = EtcdError(code: Code.unavailable, message: "etcdserver: unhealthy cluster")
    static let notSupportedForLearner = EtcdError(code: Code.unavailable, message: "etcdserver: rpc not supported for learner")
    static let badLeaderTransferee = EtcdError(code: Code.failedPrecondition, message: "etcdserver: bad leader transferee")
    /// MoveLeader on a member that is not the leader (etcd's ErrGRPCNotLeader).
    static let notTheLeader = EtcdError(code: Code.failedPrecondition, message: "etcdserver: not leader")
    /// etcd has no gRPC mapping for this one: clients see code Unknown.
    static let leaderTransferTimedOut = EtcdError(code: 2, message: "etcdserver: request timed out, leader transfer took too long")
}
