import EtcdAPI

/// Builds a JSON object the way encoding/json marshals etcd's gogo structs: fields in
/// declaration order, `omitempty` fields left out when zero.
public struct JSONObject {
    private var members: [String] = []

    public init() {}

    public mutating func raw(_ key: String, _ value: String) { members.append(GoFormat.jsonString(key) + ":" + value) }
    public mutating func int(_ key: String, _ value: Int64, omitEmpty: Bool = true) {
        if !omitEmpty || value != 0 { raw(key, "\(value)") }
    }
    public mutating func uint(_ key: String, _ value: UInt64, omitEmpty: Bool = true) {
        if !omitEmpty || value != 0 { raw(key, "\(value)") }
    }
    public mutating func bool(_ key: String, _ value: Bool, omitEmpty: Bool = true) {
        if !omitEmpty || value { raw(key, value ? "true" : "false") }
    }
    public mutating func string(_ key: String, _ value: String, omitEmpty: Bool = true) {
        if !omitEmpty || !value.isEmpty { raw(key, GoFormat.jsonString(value)) }
    }
    public mutating func bytes(_ key: String, _ value: [UInt8]) {
        if !value.isEmpty { raw(key, GoFormat.jsonBytes(value)) }
    }
    public mutating func array(_ key: String, _ values: [String], omitEmpty: Bool = true, nullWhenEmpty: Bool = false) {
        if values.isEmpty && omitEmpty { return }
        raw(key, values.isEmpty && nullWhenEmpty ? "null" : "[" + values.joined(separator: ",") + "]")
    }
    public mutating func object(_ key: String, _ value: JSONObject?) {
        if let value { raw(key, value.text) }
    }
    /// Fields of an embedded struct (Go promotes them into the outer object).
    public mutating func embed(_ other: JSONObject) { members += other.members }

    public var text: String { "{" + members.joined(separator: ",") + "}" }
}

public enum EtcdJSON {
    public static func header(_ header: Etcdserverpb_ResponseHeader) -> JSONObject {
        var object = JSONObject()
        object.uint("cluster_id", header.clusterID)
        object.uint("member_id", header.memberID)
        object.int("revision", header.revision)
        object.uint("raft_term", header.raftTerm)
        return object
    }

    public static func kv(_ kv: Mvccpb_KeyValue) -> JSONObject {
        var object = JSONObject()
        object.bytes("key", Array(kv.key))
        object.int("create_revision", kv.createRevision)
        object.int("mod_revision", kv.modRevision)
        object.int("version", kv.version)
        object.bytes("value", Array(kv.value))
        object.int("lease", kv.lease)
        return object
    }

    public static func range(_ response: Etcdserverpb_RangeResponse) -> JSONObject {
        var object = JSONObject()
        object.object("header", response.hasHeader ? header(response.header) : nil)
        object.array("kvs", response.kvs.map { kv($0).text })
        object.bool("more", response.more)
        object.int("count", response.count)
        return object
    }

    public static func put(_ response: Etcdserverpb_PutResponse) -> JSONObject {
        var object = JSONObject()
        object.object("header", response.hasHeader ? header(response.header) : nil)
        object.object("prev_kv", response.hasPrevKv ? kv(response.prevKv) : nil)
        return object
    }

    public static func delete(_ response: Etcdserverpb_DeleteRangeResponse) -> JSONObject {
        var object = JSONObject()
        object.object("header", response.hasHeader ? header(response.header) : nil)
        object.int("deleted", response.deleted)
        object.array("prev_kvs", response.prevKvs.map { kv($0).text })
        return object
    }

    public static func txn(_ response: Etcdserverpb_TxnResponse) -> JSONObject {
        var object = JSONObject()
        object.object("header", response.hasHeader ? header(response.header) : nil)
        object.bool("succeeded", response.succeeded)
        object.array("responses", response.responses.map { op in
            var inner = JSONObject()
            switch op.response {
            case .responseRange(let value): inner.object("ResponseRange", range(value))
            case .responsePut(let value): inner.object("ResponsePut", put(value))
            case .responseDeleteRange(let value): inner.object("ResponseDeleteRange", delete(value))
            case .responseTxn(let value): inner.object("ResponseTxn", txn(value))
            case nil: break
            }
            var wrapper = JSONObject()
            wrapper.raw("Response", op.response == nil ? "null" : inner.text)
            return wrapper.text
        })
        return object
    }

    public static func event(_ event: Mvccpb_Event) -> JSONObject {
        var object = JSONObject()
        object.int("type", Int64(event.type.rawValue))
        object.object("kv", event.hasKv ? kv(event.kv) : nil)
        object.object("prev_kv", event.hasPrevKv ? kv(event.prevKv) : nil)
        return object
    }

    public static func member(_ member: Etcdserverpb_Member) -> JSONObject {
        var object = JSONObject()
        object.uint("ID", member.id)
        object.string("name", member.name)
        object.array("peerURLs", member.peerUrls.map(GoFormat.jsonString))
        object.array("clientURLs", member.clientUrls.map(GoFormat.jsonString))
        object.bool("isLearner", member.isLearner)
        return object
    }

    public static func status(_ response: Etcdserverpb_StatusResponse) -> JSONObject {
        var object = JSONObject()
        object.object("header", response.hasHeader ? header(response.header) : nil)
        object.string("version", response.version)
        object.int("dbSize", response.dbSize)
        object.uint("leader", response.leader)
        object.uint("raftIndex", response.raftIndex)
        object.uint("raftTerm", response.raftTerm)
        object.uint("raftAppliedIndex", response.raftAppliedIndex)
        object.array("errors", response.errors.map(GoFormat.jsonString))
        object.int("dbSizeInUse", response.dbSizeInUse)
        object.bool("isLearner", response.isLearner)
        return object
    }

    public static func hashKV(_ response: Etcdserverpb_HashKVResponse) -> JSONObject {
        var object = JSONObject()
        object.object("header", response.hasHeader ? header(response.header) : nil)
        object.uint("hash", UInt64(response.hash))
        object.int("compact_revision", response.compactRevision)
        return object
    }

    /// clientv3's lease responses embed `*pb.ResponseHeader`: its fields sit at the top level.
    public static func embeddedHeader(_ has: Bool, _ header: Etcdserverpb_ResponseHeader) -> JSONObject {
        has ? self.header(header) : JSONObject()
    }
}

/// `-w json`: printer_json.go (encoding/json of the responses).
public struct JSONPrinter: Printer {
    public let sink: OutputSink

    public init(sink: OutputSink) { self.sink = sink }

    public func emit(_ object: JSONObject) { sink.out(object.text + "\n") }

    public func del(_ response: Etcdserverpb_DeleteRangeResponse) { emit(EtcdJSON.delete(response)) }
    public func get(_ response: Etcdserverpb_RangeResponse) { emit(EtcdJSON.range(response)) }
    public func put(_ response: Etcdserverpb_PutResponse) { emit(EtcdJSON.put(response)) }
    public func txn(_ response: Etcdserverpb_TxnResponse) { emit(EtcdJSON.txn(response)) }

    /// clientv3.WatchResponse has no json tags: Go field names, nothing omitted.
    public func watch(_ response: Etcdserverpb_WatchResponse) {
        var object = JSONObject()
        object.raw("Header", EtcdJSON.header(response.header).text)
        // clientv3 always builds a (possibly empty) slice of events.
        object.array("Events", response.events.map { EtcdJSON.event($0).text }, omitEmpty: false)
        object.int("CompactRevision", response.compactRevision, omitEmpty: false)
        object.bool("Canceled", response.canceled, omitEmpty: false)
        object.bool("Created", response.created, omitEmpty: false)
        emit(object)
    }

    public func grant(_ response: Etcdserverpb_LeaseGrantResponse) {
        var object = EtcdJSON.embeddedHeader(response.hasHeader, response.header)
        object.int("ID", response.id, omitEmpty: false)
        object.int("TTL", response.ttl, omitEmpty: false)
        object.string("Error", response.error, omitEmpty: false)
        emit(object)
    }

    public func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) {
        var object = JSONObject()
        object.object("header", response.hasHeader ? EtcdJSON.header(response.header) : nil)
        emit(object)
    }

    public func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) {
        var object = EtcdJSON.embeddedHeader(response.hasHeader, response.header)
        object.int("ID", response.id, omitEmpty: false)
        object.int("TTL", response.ttl, omitEmpty: false)
        emit(object)
    }

    public func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) {
        var object = EtcdJSON.embeddedHeader(response.hasHeader, response.header)
        object.int("id", response.id, omitEmpty: false)
        object.int("ttl", response.ttl, omitEmpty: false)
        object.int("granted-ttl", response.grantedTtl, omitEmpty: false)
        object.array("keys", response.keys.map { GoFormat.jsonBytes(Array($0)) }, omitEmpty: false, nullWhenEmpty: true)
        emit(object)
    }

    public func leases(_ response: Etcdserverpb_LeaseLeasesResponse) {
        var object = EtcdJSON.embeddedHeader(response.hasHeader, response.header)
        object.array("leases", response.leases.map { "{\"id\":\($0.id)}" }, omitEmpty: false)
        emit(object)
    }

    public func memberList(_ response: Etcdserverpb_MemberListResponse) {
        var object = JSONObject()
        object.object("header", response.hasHeader ? EtcdJSON.header(response.header) : nil)
        object.array("members", response.members.map { EtcdJSON.member($0).text })
        emit(object)
    }

    public func memberAdd(_ response: Etcdserverpb_MemberAddResponse) {
        var object = JSONObject()
        object.object("header", response.hasHeader ? EtcdJSON.header(response.header) : nil)
        object.object("member", response.hasMember ? EtcdJSON.member(response.member) : nil)
        object.array("members", response.members.map { EtcdJSON.member($0).text })
        emit(object)
    }

    public func memberRemove(_ id: UInt64, _ response: Etcdserverpb_MemberRemoveResponse) {
        emit(membersObject(response.hasHeader, response.header, response.members))
    }

    public func memberUpdate(_ id: UInt64, _ response: Etcdserverpb_MemberUpdateResponse) {
        emit(membersObject(response.hasHeader, response.header, response.members))
    }

    public func memberPromote(_ id: UInt64, _ response: Etcdserverpb_MemberPromoteResponse) {
        emit(membersObject(response.hasHeader, response.header, response.members))
    }

    func membersObject(_ hasHeader: Bool, _ header: Etcdserverpb_ResponseHeader, _ members: [Etcdserverpb_Member]) -> JSONObject {
        var object = JSONObject()
        object.object("header", hasHeader ? EtcdJSON.header(header) : nil)
        object.array("members", members.map { EtcdJSON.member($0).text })
        return object
    }

    public func endpointHealth(_ list: [EndpointHealth]) {
        let items = list.map { health -> String in
            var object = JSONObject()
            object.string("endpoint", health.endpoint, omitEmpty: false)
            object.bool("health", health.health, omitEmpty: false)
            object.string("took", health.took, omitEmpty: false)
            object.string("error", health.error)
            return object.text
        }
        sink.out("[" + items.joined(separator: ",") + "]\n")
    }

    public func endpointStatus(_ list: [EndpointStatus]) {
        let items = list.map { status -> String in
            var object = JSONObject()
            object.string("Endpoint", status.endpoint, omitEmpty: false)
            object.raw("Status", EtcdJSON.status(status.response).text)
            return object.text
        }
        sink.out("[" + items.joined(separator: ",") + "]\n")
    }

    public func endpointHashKV(_ list: [EndpointHashKV]) {
        let items = list.map { hash -> String in
            var object = JSONObject()
            object.string("Endpoint", hash.endpoint, omitEmpty: false)
            object.raw("HashKV", EtcdJSON.hashKV(hash.response).text)
            return object.text
        }
        sink.out("[" + items.joined(separator: ",") + "]\n")
    }

    public func alarm(_ response: Etcdserverpb_AlarmResponse) {
        var object = JSONObject()
        object.object("header", response.hasHeader ? EtcdJSON.header(response.header) : nil)
        object.array("alarms", response.alarms.map { member in
            var item = JSONObject()
            item.uint("memberID", member.memberID)
            item.int("alarm", Int64(member.alarm.rawValue))
            return item.text
        })
        emit(object)
    }
}
