import EtcdAPI

/// `-w simple`: printer_simple.go.
struct SimplePrinter: Printer {
    var isHex: Bool
    var valueOnly: Bool

    func kv(_ kv: Mvccpb_KeyValue) {
        let key = isHex ? SimplePrinter.hexBytes(Array(kv.key)) : String(decoding: kv.key, as: UTF8.self)
        let value = isHex ? SimplePrinter.hexBytes(Array(kv.value)) : String(decoding: kv.value, as: UTF8.self)
        if !isHex {
            // Raw bytes, as Go prints a string converted from []byte.
            if !valueOnly { Output.outBytes(Array(kv.key) + [0x0A]) }
            Output.outBytes(Array(kv.value) + [0x0A])
            return
        }
        if !valueOnly { Output.out(key + "\n") }
        Output.out(value + "\n")
    }

    /// "\x66\x6f\x6f" (addHexPrefix of hex.EncodeToString).
    static func hexBytes(_ bytes: [UInt8]) -> String {
        bytes.map { "\\x" + String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }

    func del(_ response: Etcdserverpb_DeleteRangeResponse) {
        Output.out("\(response.deleted)\n")
        response.prevKvs.forEach(kv)
    }

    func get(_ response: Etcdserverpb_RangeResponse) { response.kvs.forEach(kv) }

    func put(_ response: Etcdserverpb_PutResponse) {
        Output.out("OK\n")
        if response.hasPrevKv { kv(response.prevKv) }
    }

    func txn(_ response: Etcdserverpb_TxnResponse) {
        Output.out(response.succeeded ? "SUCCESS\n" : "FAILURE\n")
        for op in response.responses {
            Output.out("\n")
            switch op.response {
            case .responseDeleteRange(let value): del(value)
            case .responsePut(let value): put(value)
            case .responseRange(let value): get(value)
            default: Output.out("unexpected response \(op)\n")
            }
        }
    }

    func watch(_ response: Etcdserverpb_WatchResponse) {
        for event in response.events {
            Output.out(event.type == .delete ? "DELETE\n" : "PUT\n")
            if event.hasPrevKv { kv(event.prevKv) }
            kv(event.kv)
        }
    }

    func grant(_ response: Etcdserverpb_LeaseGrantResponse) {
        Output.out("lease \(GoFormat.hex16(response.id)) granted with TTL(\(response.ttl)s)\n")
    }

    func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) {
        Output.out("lease \(GoFormat.hex16(id)) revoked\n")
    }

    func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) {
        Output.out("lease \(GoFormat.hex16(response.id)) keepalived with TTL(\(response.ttl))\n")
    }

    func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) {
        if response.grantedTtl == 0 && response.ttl == -1 {
            Output.out("lease \(GoFormat.hex16(response.id)) already expired\n")
            return
        }
        var text = "lease \(GoFormat.hex16(response.id)) granted with TTL(\(response.grantedTtl)s), remaining(\(response.ttl)s)"
        if keys {
            text += ", attached keys(\(GoFormat.list(response.keys.map { String(decoding: $0, as: UTF8.self) })))"
        }
        Output.out(text + "\n")
    }

    func leases(_ response: Etcdserverpb_LeaseLeasesResponse) {
        Output.out("found \(response.leases.count) leases\n")
        for lease in response.leases { Output.out(GoFormat.hex16(lease.id) + "\n") }
    }

    func memberList(_ response: Etcdserverpb_MemberListResponse) {
        for row in PrinterTables.memberList(response).rows { Output.out(row.joined(separator: ", ") + "\n") }
    }

    func endpointHealth(_ list: [EndpointHealth]) {
        for health in list {
            if health.error.isEmpty {
                Output.err("\(health.endpoint) is healthy: successfully committed proposal: took = \(health.took)\n")
            } else {
                Output.err("\(health.endpoint) is unhealthy: failed to commit proposal: \(health.error)\n")
            }
        }
    }

    func endpointStatus(_ list: [EndpointStatus]) {
        for row in PrinterTables.endpointStatus(list).rows { Output.out(row.joined(separator: ", ") + "\n") }
    }

    func endpointHashKV(_ list: [EndpointHashKV]) {
        for row in PrinterTables.endpointHashKV(list).rows { Output.out(row.joined(separator: ", ") + "\n") }
    }

    /// `%+v` of an AlarmMember: gogo's compact text form.
    func alarm(_ response: Etcdserverpb_AlarmResponse) {
        for member in response.alarms {
            var text = ""
            if member.memberID != 0 { text += "memberID:\(member.memberID) " }
            if member.alarm != .none { text += "alarm:\(SimplePrinter.alarmName(member.alarm)) " }
            Output.out(text + "\n")
        }
    }

    static func alarmName(_ alarm: Etcdserverpb_AlarmType) -> String {
        switch alarm {
        case .none: "NONE"
        case .nospace: "NOSPACE"
        case .corrupt: "CORRUPT"
        case .UNRECOGNIZED(let value): "\(value)"
        }
    }
}
