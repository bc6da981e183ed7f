import EtcdAPI
import SwiftProtobuf

/// `-w protobuf`: the raw protobuf encoding of the gRPC responses.
struct ProtobufPrinter: PartialPrinter {
    var formatName: String { "protobuf" }

    func emit(_ message: some SwiftProtobuf.Message) {
        guard let bytes: [UInt8] = try? message.serializedBytes() else { return }
        Output.outBytes(bytes)
    }

    func del(_ response: Etcdserverpb_DeleteRangeResponse) { emit(response) }
    func get(_ response: Etcdserverpb_RangeResponse) { emit(response) }
    func put(_ response: Etcdserverpb_PutResponse) { emit(response) }
    func txn(_ response: Etcdserverpb_TxnResponse) { emit(response) }
    func memberList(_ response: Etcdserverpb_MemberListResponse) { emit(response) }
    func alarm(_ response: Etcdserverpb_AlarmResponse) { emit(response) }

    /// printer_protobuf.go rebuilds the WatchResponse from clientv3's copy (no watch ID,
    /// no fragment flag), so only these fields survive.
    func watch(_ response: Etcdserverpb_WatchResponse) {
        var copy = Etcdserverpb_WatchResponse()
        copy.header = response.header
        copy.events = response.events
        copy.compactRevision = response.compactRevision
        copy.canceled = response.canceled
        copy.created = response.created
        emit(copy)
    }

    func grant(_ response: Etcdserverpb_LeaseGrantResponse) { unsupported() }
    func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) { unsupported() }
    func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) { unsupported() }
    func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) { unsupported() }
    func leases(_ response: Etcdserverpb_LeaseLeasesResponse) { unsupported() }
    func endpointHealth(_ list: [EndpointHealth]) { unsupported() }
    func endpointStatus(_ list: [EndpointStatus]) { unsupported() }
    func endpointHashKV(_ list: [EndpointHashKV]) { unsupported() }
}
