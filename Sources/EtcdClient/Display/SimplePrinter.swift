import EtcdAPI

/// `-w simple`: printer_simple.go.
public struct SimplePrinter: Printer {
    public let sink: OutputSink

    public init(isHex: Bool, valueOnly: Bool, sink: OutputSink) {
        self.isHex = isHex
        self.valueOnly = valueOnly
        self.sink = sink
    }

    public var isHex: Bool
    public var valueOnly: Bool

    public func kv(_ kv: Mvccpb_KeyValue) {
        let key = isHex ? SimplePrinter.hexBytes(Array(kv.key)) : String(decoding: kv.key, as: UTF8.self)
        let value = isHex ? SimplePrinter.hexBytes(Array(kv.value)) : String(decoding: kv.value, as: UTF8.self)
        if !isHex {
            // Raw bytes, as Go prints a string converted from []byte.
            if !valueOnly { sink.outBytes(Array(kv.key) + [0x0A]) }
            sink.outBytes(Array(kv.value) + [0x0A])
            return
        }
        if !valueOnly { sink.out(key + "\n") }
        sink.out(value + "\n")
    }

    /// "\x66\x6f\x6f" (addHexPrefix of hex.EncodeToString).
    public static func hexBytes(_ bytes: [UInt8]) -> String {
        bytes.map { "\\x" + String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }

    public func del(_ response: Etcdserverpb_DeleteRangeResponse) {
        sink.out("\(response.deleted)\n")
        response.prevKvs.forEach(kv)
    }

    public func get(_ response: Etcdserverpb_RangeResponse) { response.kvs.forEach(kv) }

    public func put(_ response: Etcdserverpb_PutResponse) {
        sink.out("OK\n")
        if response.hasPrevKv { kv(response.prevKv) }
    }

    public func txn(_ response: Etcdserverpb_TxnResponse) {
        sink.out(response.succeeded ? "SUCCESS\n" : "FAILURE\n")
        for op in response.responses {
            sink.out("\n")
            switch op.response {
            case .responseDeleteRange(let value): del(value)
            case .responsePut(let value): put(value)
            case .responseRange(let value): get(value)
            default: sink.out("unexpected response \(op)\n")
            }
        }
    }

    public func watch(_ response: Etcdserverpb_WatchResponse) {
        for event in response.events {
            sink.out(event.type == .delete ? "DELETE\n" : "PUT\n")
            if event.hasPrevKv { kv(event.prevKv) }
            kv(event.kv)
        }
    }

    public func grant(_ response: Etcdserverpb_LeaseGrantResponse) {
        sink.out("lease \(GoFormat.hex16(response.id)) granted with TTL(\(response.ttl)s)\n")
    }

    public func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) {
        sink.out("lease \(GoFormat.hex16(id)) revoked\n")
    }

    public func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) {
        sink.out("lease \(GoFormat.hex16(response.id)) keepalived with TTL(\(response.ttl))\n")
    }

    public func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) {
        if response.grantedTtl == 0 && response.ttl == -1 {
            sink.out("lease \(GoFormat.hex16(response.id)) already expired\n")
            return
        }
        var text = "lease \(GoFormat.hex16(response.id)) granted with TTL(\(response.grantedTtl)s), remaining(\(response.ttl)s)"
        if keys {
            text += ", attached keys(\(GoFormat.list(response.keys.map { String(decoding: $0, as: UTF8.self) })))"
        }
        sink.out(text + "\n")
    }

    public func leases(_ response: Etcdserverpb_LeaseLeasesResponse) {
        sink.out("found \(response.leases.count) leases\n")
        for lease in response.leases { sink.out(GoFormat.hex16(lease.id) + "\n") }
    }

    public func memberList(_ response: Etcdserverpb_MemberListResponse) {
        for row in PrinterTables.memberList(response).rows { sink.out(row.joined(separator: ", ") + "\n") }
    }

    public func memberAdd(_ response: Etcdserverpb_MemberAddResponse) {
        sink.out("Member \(GoFormat.hexSpacePadded(response.member.id)) added to cluster \(GoFormat.hexSpacePadded(response.header.clusterID))\n")
    }

    public func memberRemove(_ id: UInt64, _ response: Etcdserverpb_MemberRemoveResponse) {
        sink.out("Member \(GoFormat.hexSpacePadded(id)) removed from cluster \(GoFormat.hexSpacePadded(response.header.clusterID))\n")
    }

    public func memberUpdate(_ id: UInt64, _ response: Etcdserverpb_MemberUpdateResponse) {
        sink.out("Member \(GoFormat.hexSpacePadded(id)) updated in cluster \(GoFormat.hexSpacePadded(response.header.clusterID))\n")
    }

    public func memberPromote(_ id: UInt64, _ response: Etcdserverpb_MemberPromoteResponse) {
        sink.out("Member \(GoFormat.hexSpacePadded(id)) promoted in cluster \(GoFormat.hexSpacePadded(response.header.clusterID))\n")
    }

    public func endpointHealth(_ list: [EndpointHealth]) {
        for health in list {
            if health.error.isEmpty {
                sink.err("\(health.endpoint) is healthy: successfully committed proposal: took = \(health.took)\n")
            } else {
                sink.err("\(health.endpoint) is unhealthy: failed to commit proposal: \(health.error)\n")
            }
        }
    }

    public func endpointStatus(_ list: [EndpointStatus]) {
        for row in PrinterTables.endpointStatus(list).rows { sink.out(row.joined(separator: ", ") + "\n") }
    }

    public func endpointHashKV(_ list: [EndpointHashKV]) {
        for row in PrinterTables.endpointHashKV(list).rows { sink.out(row.joined(separator: ", ") + "\n") }
    }

    /// `%+v` of an AlarmMember: gogo's compact text form.
    public func alarm(_ response: Etcdserverpb_AlarmResponse) {
        for member in response.alarms {
            var text = ""
            if member.memberID != 0 { text += "memberID:\(member.memberID) " }
            if member.alarm != .none { text += "alarm:\(SimplePrinter.alarmName(member.alarm)) " }
            sink.out(text + "\n")
        }
    }

    public static func alarmName(_ alarm: Etcdserverpb_AlarmType) -> String {
        switch alarm {
        case .none: "NONE"
        case .nospace: "NOSPACE"
        case .corrupt: "CORRUPT"
        case .UNRECOGNIZED(let value): "\(value)"
        }
    }
}
