import EtcdAPI

extension EtcdClient {
    public func get(_ request: Etcdserverpb_RangeRequest, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_RangeResponse {
        try call(EtcdRPCs.range, request, timeout: timeout)
    }

    public func put(_ request: Etcdserverpb_PutRequest, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_PutResponse {
        try call(EtcdRPCs.put, request, timeout: timeout)
    }

    public func delete(_ request: Etcdserverpb_DeleteRangeRequest, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_DeleteRangeResponse {
        try call(EtcdRPCs.deleteRange, request, timeout: timeout)
    }

    public func txn(_ request: Etcdserverpb_TxnRequest, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        try call(EtcdRPCs.txn, request, timeout: timeout)
    }

    public func compact(revision: Int64, physical: Bool, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_CompactionResponse {
        var request = Etcdserverpb_CompactionRequest()
        request.revision = revision
        request.physical = physical
        return try call(EtcdRPCs.compact, request, timeout: timeout)
    }

    public func leaseGrant(ttlSeconds: Int64, id: Int64 = 0, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_LeaseGrantResponse {
        var request = Etcdserverpb_LeaseGrantRequest()
        request.ttl = ttlSeconds
        request.id = id
        return try call(EtcdRPCs.leaseGrant, request, timeout: timeout)
    }

    public func leaseRevoke(id: Int64, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_LeaseRevokeResponse {
        var request = Etcdserverpb_LeaseRevokeRequest()
        request.id = id
        return try call(EtcdRPCs.leaseRevoke, request, timeout: timeout)
    }

    public func leaseTimeToLive(id: Int64, keys: Bool, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_LeaseTimeToLiveResponse {
        var request = Etcdserverpb_LeaseTimeToLiveRequest()
        request.id = id
        request.keys = keys
        return try call(EtcdRPCs.leaseTimeToLive, request, timeout: timeout)
    }

    public func leaseList(timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_LeaseLeasesResponse {
        try call(EtcdRPCs.leaseLeases, Etcdserverpb_LeaseLeasesRequest(), timeout: timeout)
    }

    /// One keepalive round trip; the answer's TTL is 0 when the lease no longer exists.
    public func leaseKeepAliveOnce(id: Int64, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_LeaseKeepAliveResponse {
        let result: Result<Etcdserverpb_LeaseKeepAliveResponse, EtcdError> = blocking { connection, finish in
            let keeper = connection.keepAlive(leaseID: id, once: true, timeoutMilliseconds: connection.milliseconds(timeout))
            nonisolated(unsafe) var answer: Etcdserverpb_LeaseKeepAliveResponse?
            keeper.onResponse = { answer = $0 }
            keeper.onEnd = { error in
                if let answer { finish(.success(answer)) } else {
                    finish(.failure(error ?? EtcdError(code: .unavailable, message: "keepalive stream ended without an answer")))
                }
            }
        }
        return try result.get()
    }

    public func memberList(timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_MemberListResponse {
        try call(EtcdRPCs.memberList, Etcdserverpb_MemberListRequest(), timeout: timeout)
    }

    public func status(timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_StatusResponse {
        try call(EtcdRPCs.status, Etcdserverpb_StatusRequest(), timeout: timeout)
    }

    public func hashKV(revision: Int64, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_HashKVResponse {
        var request = Etcdserverpb_HashKVRequest()
        request.revision = revision
        return try call(EtcdRPCs.hashKV, request, timeout: timeout)
    }

    public func alarm(_ request: Etcdserverpb_AlarmRequest, timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_AlarmResponse {
        try call(EtcdRPCs.alarm, request, timeout: timeout)
    }

    public func defragment(timeout: RequestTimeout = .configured) throws(EtcdError) -> Etcdserverpb_DefragmentResponse {
        try call(EtcdRPCs.defragment, Etcdserverpb_DefragmentRequest(), timeout: timeout)
    }
}
