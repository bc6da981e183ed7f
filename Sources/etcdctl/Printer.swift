import Glibc
import EtcdAPI

/// One endpoint's health, as `endpoint health` reports it.
struct EndpointHealth {
    var endpoint: String
    var health: Bool
    var took: String
    var error: String
}

struct EndpointStatus {
    var endpoint: String
    var response: Etcdserverpb_StatusResponse
}

struct EndpointHashKV {
    var endpoint: String
    var response: Etcdserverpb_HashKVResponse
}

/// etcdctl's display: one implementation per `--write-out` format.
protocol Printer {
    func del(_ response: Etcdserverpb_DeleteRangeResponse)
    func get(_ response: Etcdserverpb_RangeResponse)
    func put(_ response: Etcdserverpb_PutResponse)
    func txn(_ response: Etcdserverpb_TxnResponse)
    func watch(_ response: Etcdserverpb_WatchResponse)
    func grant(_ response: Etcdserverpb_LeaseGrantResponse)
    func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse)
    func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse)
    func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool)
    func leases(_ response: Etcdserverpb_LeaseLeasesResponse)
    func memberList(_ response: Etcdserverpb_MemberListResponse)
    func endpointHealth(_ list: [EndpointHealth])
    func endpointStatus(_ list: [EndpointStatus])
    func endpointHashKV(_ list: [EndpointHashKV])
    func alarm(_ response: Etcdserverpb_AlarmResponse)
}

enum Printers {
    /// NewPrinter: nil for an unknown format name.
    static func make(_ format: String, hex: Bool, valueOnly: Bool = false) -> Printer? {
        switch format {
        case "simple": SimplePrinter(isHex: hex, valueOnly: valueOnly)
        case "json": JSONPrinter()
        case "fields": FieldsPrinter()
        case "protobuf": ProtobufPrinter()
        case "table": TablePrinter()
        default: nil
        }
    }
}

/// The rows shared by the simple and table printers (printer.go's make*Table).
enum PrinterTables {
    static func memberList(_ response: Etcdserverpb_MemberListResponse) -> (header: [String], rows: [[String]]) {
        let rows = response.members.map { member in
            [GoFormat.hex(member.id), member.name.isEmpty ? "unstarted" : "started", member.name,
             member.peerUrls.joined(separator: ","), member.clientUrls.joined(separator: ","),
             member.isLearner ? "true" : "false"]
        }
        return (["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"], rows)
    }

    static func endpointHealth(_ list: [EndpointHealth]) -> (header: [String], rows: [[String]]) {
        (["endpoint", "health", "took", "error"], list.map { [$0.endpoint, "\($0.health)", $0.took, $0.error] })
    }

    static func endpointStatus(_ list: [EndpointStatus]) -> (header: [String], rows: [[String]]) {
        let rows = list.map { status in
            let response = status.response
            return [status.endpoint, GoFormat.hex(response.header.memberID), response.version,
                    GoFormat.humanBytes(UInt64(bitPattern: response.dbSize)),
                    "\(response.leader == response.header.memberID)", "\(response.isLearner)",
                    "\(response.raftTerm)", "\(response.raftIndex)", "\(response.raftAppliedIndex)",
                    response.errors.joined(separator: ", ")]
        }
        return (["endpoint", "ID", "version", "db size", "is leader", "is learner", "raft term", "raft index",
                 "raft applied index", "errors"], rows)
    }

    static func endpointHashKV(_ list: [EndpointHashKV]) -> (header: [String], rows: [[String]]) {
        (["endpoint", "hash"], list.map { [$0.endpoint, "\($0.response.hash)"] })
    }
}

/// The formats that support only some outputs: the rest exit with "<format> not supported as
/// output format" (printerUnsupported).
protocol PartialPrinter: Printer {
    var formatName: String { get }
}

extension PartialPrinter {
    func unsupported() -> Never {
        exitWithError(ExitCode.badFeature, "\(formatName) not supported as output format")
    }
}
