import KVStore

/// The errors the member itself returns (the store's own are in `EtcdError`), with etcd 3.4's
/// gRPC codes and messages (etcdserver/api/v3rpc/rpctypes).
extension EtcdError {
    static let stopped = EtcdError(code: 14, message: "etcdserver: server stopped")
    static let noLeader = EtcdError(code: 14, message: "etcdserver: no leader")
    static let requestTimedOut = EtcdError(code: 14, message: "etcdserver: request timed out")
    static let proposalDropped = EtcdError(code: 14, message: "etcdserver: request timed out, possibly due to previous leader failure")
    static let leaderChanged = EtcdError(code: 14, message: "etcdserver: leader changed")
    static let notLeader = EtcdError(code: 14, message: "etcdserver: not leader")
    static let tooManyRequests = EtcdError(code: 8, message: "etcdserver: too many requests")
    static let requestTooLargeServer = EtcdError(code: 3, message: "etcdserver: request is too large")
    static func internalError(_ message: String) -> EtcdError { EtcdError(code: 13, message: message) }
}
