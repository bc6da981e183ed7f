import EtcdAPI

/// Authentication of a connection: the token etcd returns for the configured user, sent as the
/// "token" metadata of every call (as clientv3 does).
extension EtcdConnection {
    static let tokenKey = "token"

    var needsToken: Bool { config.username != nil && !authenticated }

    /// Authenticates as the configured user and replaces the token. "authentication is not
    /// enabled" leaves the connection without a token and is not an error (clientv3 ignores it).
    func refreshToken(deadline: UInt64?, completion: @escaping (Result<Bool, EtcdError>) -> Void) {
        guard let username = config.username else { return completion(.success(false)) }
        metadata.removeAll { $0.0 == Self.tokenKey }
        var request = Etcdserverpb_AuthenticateRequest()
        request.name = username
        request.password = config.password
        attempt(EtcdRPCs.authenticate, request, deadline: deadline, retryAuth: false) { [weak self] result in
            switch result {
            case .success(let response):
                self?.metadata.append((Self.tokenKey, response.token))
                self?.authenticated = true
                completion(.success(true))
            case .failure(let error) where error.message == EtcdError.authNotEnabledMessage:
                self?.authenticated = true
                completion(.success(false))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// Authenticates now (etcdctl does it when it creates its client, so a wrong password is
    /// reported before the command runs). False: the server has auth disabled (no token needed).
    public func authenticate(timeout: RequestTimeout = .configured, completion: @escaping (Result<Bool, EtcdError>) -> Void) {
        refreshToken(deadline: deadline(after: milliseconds(timeout)), completion: completion)
    }
}

extension EtcdError {
    static let authNotEnabledMessage = "etcdserver: authentication is not enabled"
    public static let authNotEnabled = EtcdError(code: .failedPrecondition, message: authNotEnabledMessage)

    /// The server no longer accepts the token: it expired, or the auth store changed since.
    var isStaleToken: Bool {
        message == "etcdserver: invalid auth token" || message == "etcdserver: revision of auth store is old"
    }
}
