/// etcd 3.4's auth errors with their gRPC codes (rpctypes/error.go), matched by text by clients.
extension EtcdError {
    static let permissionDeniedCode = 7
    static let unauthenticatedCode = 16

    public static let rootUserNotExist = EtcdError(code: Code.failedPrecondition, message: "etcdserver: root user does not exist")
    public static let rootRoleNotExist = EtcdError(code: Code.failedPrecondition, message: "etcdserver: root user does not have root role")
    public static let userAlreadyExist = EtcdError(code: Code.failedPrecondition, message: "etcdserver: user name already exists")
    public static let userEmpty = EtcdError(code: Code.invalidArgument, message: "etcdserver: user name is empty")
    public static let userNotFound = EtcdError(code: Code.failedPrecondition, message: "etcdserver: user name not found")
    public static let roleAlreadyExist = EtcdError(code: Code.failedPrecondition, message: "etcdserver: role name already exists")
    public static let roleNotFound = EtcdError(code: Code.failedPrecondition, message: "etcdserver: role name not found")
    public static let roleEmpty = EtcdError(code: Code.invalidArgument, message: "etcdserver: role name is empty")
    public static let authFailed = EtcdError(code: Code.invalidArgument, message: "etcdserver: authentication failed, invalid user ID or password")
    public static let permissionDenied = EtcdError(code: permissionDeniedCode, message: "etcdserver: permission denied")
    public static let roleNotGranted = EtcdError(code: Code.failedPrecondition, message: "etcdserver: role is not granted to the user")
    public static let permissionNotGranted = EtcdError(code: Code.failedPrecondition, message: "etcdserver: permission is not granted to the role")
    public static let authNotEnabled = EtcdError(code: Code.failedPrecondition, message: "etcdserver: authentication is not enabled")
    public static let invalidAuthToken = EtcdError(code: unauthenticatedCode, message: "etcdserver: invalid auth token")
    public static let invalidAuthMgmt = EtcdError(code: Code.invalidArgument, message: "etcdserver: invalid auth management")
    public static let authOldRevision = EtcdError(code: Code.invalidArgument, message: "etcdserver: revision of auth store is old")
    /// etcd has no gRPC mapping for this one: clients see it as an unknown error.
    public static let noPasswordUser = EtcdError(code: 2, message: "auth: authentication failed, password was given for no password user")
}
