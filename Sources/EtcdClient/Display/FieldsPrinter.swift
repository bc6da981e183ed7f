import EtcdAPI

/// `-w fields`: printer_fields.go ("Name" : value lines).
public struct FieldsPrinter: Printer {
    public let sink: OutputSink

    public init(sink: OutputSink) { self.sink = sink }

    public func line(_ name: String, _ value: Any) { sink.out("\"\(name)\" : \(value)\n") }
    public func quoted(_ name: String, _ bytes: [UInt8]) { sink.out("\"\(name)\" : \(GoFormat.quote(bytes: bytes))\n") }

    public func kv(_ prefix: String, _ kv: Mvccpb_KeyValue) {
        quoted("\(prefix)Key", Array(kv.key))
        line("\(prefix)CreateRevision", kv.createRevision)
        line("\(prefix)ModRevision", kv.modRevision)
        line("\(prefix)Version", kv.version)
        quoted("\(prefix)Value", Array(kv.value))
        line("\(prefix)Lease", kv.lease)
    }

    public func header(_ header: Etcdserverpb_ResponseHeader) {
        line("ClusterID", header.clusterID)
        line("MemberID", header.memberID)
        line("Revision", header.revision)
        line("RaftTerm", header.raftTerm)
    }

    public func del(_ response: Etcdserverpb_DeleteRangeResponse) {
        header(response.header)
        line("Deleted", response.deleted)
        for item in response.prevKvs { kv("Prev", item) }
    }

    public func get(_ response: Etcdserverpb_RangeResponse) {
        header(response.header)
        for item in response.kvs { kv("", item) }
        line("More", response.more)
        line("Count", response.count)
    }

    public func put(_ response: Etcdserverpb_PutResponse) {
        header(response.header)
        if response.hasPrevKv { kv("Prev", response.prevKv) }
    }

    public func txn(_ response: Etcdserverpb_TxnResponse) {
        header(response.header)
        line("Succeeded", response.succeeded)
        for op in response.responses {
            switch op.response {
            case .responseDeleteRange(let value): del(value)
            case .responsePut(let value): put(value)
            case .responseRange(let value): get(value)
            default: quoted("Unknown", Array("\(op)".utf8))
            }
        }
    }

    public func watch(_ response: Etcdserverpb_WatchResponse) {
        header(response.header)
        for event in response.events {
            line("Type", event.type == .delete ? "DELETE" : "PUT")
            if event.hasPrevKv { kv("Prev", event.prevKv) }
            kv("", event.kv)
        }
    }

    public func grant(_ response: Etcdserverpb_LeaseGrantResponse) {
        header(response.header)
        line("ID", response.id)
        line("TTL", response.ttl)
    }

    public func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) { header(response.header) }

    public func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) {
        header(response.header)
        line("ID", response.id)
        line("TTL", response.ttl)
    }

    public func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) {
        header(response.header)
        line("ID", response.id)
        line("TTL", response.ttl)
        line("GrantedTTL", response.grantedTtl)
        for key in response.keys { quoted("Key", Array(key)) }
    }

    public func leases(_ response: Etcdserverpb_LeaseLeasesResponse) {
        header(response.header)
        for lease in response.leases { line("ID", lease.id) }
    }

    public func memberList(_ response: Etcdserverpb_MemberListResponse) {
        header(response.header)
        for member in response.members {
            line("ID", member.id)
            quoted("Name", Array(member.name.utf8))
            for url in member.peerUrls { quoted("PeerURL", Array(url.utf8)) }
            for url in member.clientUrls { quoted("ClientURL", Array(url.utf8)) }
            line("IsLearner", member.isLearner)
            sink.out("\n")
        }
    }

    public func endpointHealth(_ list: [EndpointHealth]) {
        for health in list {
            quoted("Endpoint", Array(health.endpoint.utf8))
            line("Health", health.health)
            line("Took", health.took)
            line("Error", health.error)
            sink.out("\n")
        }
    }

    public func endpointStatus(_ list: [EndpointStatus]) {
        for status in list {
            let response = status.response
            header(response.header)
            quoted("Version", Array(response.version.utf8))
            line("DBSize", response.dbSize)
            line("Leader", response.leader)
            line("IsLearner", response.isLearner)
            line("RaftIndex", response.raftIndex)
            line("RaftTerm", response.raftTerm)
            line("RaftAppliedIndex", response.raftAppliedIndex)
            line("Errors", GoFormat.list(response.errors))
            quoted("Endpoint", Array(status.endpoint.utf8))
            sink.out("\n")
        }
    }

    public func endpointHashKV(_ list: [EndpointHashKV]) {
        for hash in list {
            header(hash.response.header)
            quoted("Endpoint", Array(hash.endpoint.utf8))
            line("Hash", hash.response.hash)
            sink.out("\n")
        }
    }

    public func alarm(_ response: Etcdserverpb_AlarmResponse) {
        header(response.header)
        for member in response.alarms {
            line("MemberID", member.memberID)
            line("AlarmType", SimplePrinter.alarmName(member.alarm))
            sink.out("\n")
        }
    }

    public func memberAdd(_ response: Etcdserverpb_MemberAddResponse) { sink.unsupported("fields not supported as output format") }
    public func memberRemove(_ id: UInt64, _ response: Etcdserverpb_MemberRemoveResponse) { sink.unsupported("fields not supported as output format") }
    public func memberUpdate(_ id: UInt64, _ response: Etcdserverpb_MemberUpdateResponse) { sink.unsupported("fields not supported as output format") }
    public func memberPromote(_ id: UInt64, _ response: Etcdserverpb_MemberPromoteResponse) { sink.unsupported("fields not supported as output format") }
}
