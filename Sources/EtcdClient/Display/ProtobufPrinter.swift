import EtcdAPI
import SwiftProtobuf

/// `-w protobuf`: the raw protobuf encoding of the gRPC responses.
public struct ProtobufPrinter: PartialPrinter {
    public let sink: OutputSink

    public init(sink: OutputSink) { self.sink = sink }

    public var formatName: String { "protobuf" }

    public func emit(_ message: some SwiftProtobuf.Message) {
        guard let bytes: [UInt8] = try? message.serializedBytes() else { return }
        sink.outBytes(bytes)
    }

    public func del(_ response: Etcdserverpb_DeleteRangeResponse) { emit(response) }
    public func get(_ response: Etcdserverpb_RangeResponse) { emit(response) }
    public func put(_ response: Etcdserverpb_PutResponse) { emit(response) }
    public func txn(_ response: Etcdserverpb_TxnResponse) { emit(response) }
    public func memberList(_ response: Etcdserverpb_MemberListResponse) { emit(response) }
    public func memberAdd(_ response: Etcdserverpb_MemberAddResponse) { emit(response) }
    public func memberRemove(_ id: UInt64, _ response: Etcdserverpb_MemberRemoveResponse) { emit(response) }
    public func memberUpdate(_ id: UInt64, _ response: Etcdserverpb_MemberUpdateResponse) { emit(response) }
    public func memberPromote(_ id: UInt64, _ response: Etcdserverpb_MemberPromoteResponse) { emit(response) }
    public func alarm(_ response: Etcdserverpb_AlarmResponse) { emit(response) }

    /// printer_protobuf.go rebuilds the WatchResponse from clientv3's copy (no watch ID,
    /// no fragment flag), so only these fields survive.
    public func watch(_ response: Etcdserverpb_WatchResponse) {
        var copy = Etcdserverpb_WatchResponse()
        copy.header = response.header
        copy.events = response.events
        copy.compactRevision = response.compactRevision
        copy.canceled = response.canceled
        copy.created = response.created
        emit(copy)
    }

    public func grant(_ response: Etcdserverpb_LeaseGrantResponse) { unsupported() }
    public func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) { unsupported() }
    public func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) { unsupported() }
    public func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) { unsupported() }
    public func leases(_ response: Etcdserverpb_LeaseLeasesResponse) { unsupported() }
    public func endpointHealth(_ list: [EndpointHealth]) { unsupported() }
    public func endpointStatus(_ list: [EndpointStatus]) { unsupported() }
    public func endpointHashKV(_ list: [EndpointHashKV]) { unsupported() }
}
