/// An error with etcd 3.4's gRPC status code and exact message, so that clients (etcdctl, the Go
/// client) recognise it by text the way they do with the real etcd (see etcd's rpctypes/error.go).
public struct EtcdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// gRPC status code (0 OK … 16 UNAUTHENTICATED).
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "EtcdError(code: \(code), message: \(message))" }

    /// gRPC status codes used by etcd's errors.
    public enum Code {
        public static let canceled = 1
        public static let invalidArgument = 3
        public static let notFound = 5
        public static let failedPrecondition = 9
        public static let outOfRange = 11
        public static let resourceExhausted = 8
        public static let unavailable = 14
        public static let dataLoss = 15
        public static let `internal` = 13
    }

    // Request validation (etcd checks these before proposing).
    public static let emptyKey = EtcdError(code: Code.invalidArgument, message: "etcdserver: key is not provided")
    public static let keyNotFound = EtcdError(code: Code.invalidArgument, message: "etcdserver: key not found")
    public static let valueProvided = EtcdError(code: Code.invalidArgument, message: "etcdserver: value is provided")
    public static let leaseProvided = EtcdError(code: Code.invalidArgument, message: "etcdserver: lease is provided")
    public static let tooManyOps = EtcdError(code: Code.invalidArgument, message: "etcdserver: too many operations in txn request")
    public static let duplicateKey = EtcdError(code: Code.invalidArgument, message: "etcdserver: duplicate key given in txn request")
    public static let requestTooLarge = EtcdError(code: Code.invalidArgument, message: "etcdserver: request is too large")

    // MVCC.
    public static let compacted = EtcdError(code: Code.outOfRange, message: "etcdserver: mvcc: required revision has been compacted")
    public static let futureRevision = EtcdError(code: Code.outOfRange, message: "etcdserver: mvcc: required revision is a future revision")
    public static let noSpace = EtcdError(code: Code.resourceExhausted, message: "etcdserver: mvcc: database space exceeded")

    // Leases.
    public static let leaseNotFound = EtcdError(code: Code.notFound, message: "etcdserver: requested lease not found")
    public static let leaseExists = EtcdError(code: Code.failedPrecondition, message: "etcdserver: lease already exists")
    public static let leaseTTLTooLarge = EtcdError(code: Code.outOfRange, message: "etcdserver: too large lease TTL")
    /// Renew on a member that is not the lease primary (etcd forwards such requests to the leader).
    public static let notPrimary = EtcdError(code: Code.failedPrecondition, message: "not a primary lessor")

    // Server state.
    public static let notCapable = EtcdError(code: Code.unavailable, message: "etcdserver: not capable")
    public static let corrupt = EtcdError(code: Code.dataLoss, message: "etcdserver: corrupt cluster")

    /// A failure of the storage engine itself (LMDB), not of the request.
    public static func backend(_ detail: String) -> EtcdError {
        EtcdError(code: Code.internal, message: "etcdserver: backend: \(detail)")
    }
}
