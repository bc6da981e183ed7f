import KVStore

/// The errors the member itself returns (the store's own are in `EtcdError`), with etcd 3.4's
/// gRPC codes and messages (etcdserver/api/v3rpc/rpctypes).
extension EtcdError {
    static let stopped = EtcdError(code: Code.unavailable, message: "etcdserver: server stopped")
    static let noLeader = EtcdError(code: Code.unavailable, message: "etcdserver: no leader")
    static let requestTimedOut = EtcdError(code: Code.unavailable, message: "etcdserver: request timed out")
    static let proposalDropped = EtcdError(code: Code.unavailable, message: "etcdserver: request timed out, possibly due to previous leader failure")
    static let leaderChanged = EtcdError(code: Code.unavailable, message: "etcdserver: leader changed")
    static let notLeader = EtcdError(code: Code.unavailable, message: "etcdserver: not leader")
    static let tooManyRequests = EtcdError(code: Code.resourceExhausted, message: "etcdserver: too many requests")
    static func internalError(_ message: String) -> EtcdError { EtcdError(code: Code.internal, message: message) }
}
