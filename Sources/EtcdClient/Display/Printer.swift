import EtcdAPI

/// One endpoint's health, as `endpoint health` reports it.
public struct EndpointHealth: Sendable {
    public var endpoint: String
    public var health: Bool
    public var took: String
    public var error: String

    public init(endpoint: String, health: Bool, took: String, error: String) {
        self.endpoint = endpoint
        self.health = health
        self.took = took
        self.error = error
    }
}

public struct EndpointStatus: Sendable {
    public var endpoint: String
    public var response: Etcdserverpb_StatusResponse

    public init(endpoint: String, response: Etcdserverpb_StatusResponse) {
        self.endpoint = endpoint
        self.response = response
    }
}

public struct EndpointHashKV: Sendable {
    public var endpoint: String
    public var response: Etcdserverpb_HashKVResponse

    public init(endpoint: String, response: Etcdserverpb_HashKVResponse) {
        self.endpoint = endpoint
        self.response = response
    }
}

/// etcdctl's display: one implementation per `--write-out` format.
public protocol Printer {
    /// Where the output goes (stdout and stderr of etcdctl, or a buffer in tests).
    var sink: OutputSink { get }
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
    func memberAdd(_ response: Etcdserverpb_MemberAddResponse)
    func memberRemove(_ id: UInt64, _ response: Etcdserverpb_MemberRemoveResponse)
    func memberUpdate(_ id: UInt64, _ response: Etcdserverpb_MemberUpdateResponse)
    func memberPromote(_ id: UInt64, _ response: Etcdserverpb_MemberPromoteResponse)
    func endpointHealth(_ list: [EndpointHealth])
    func endpointStatus(_ list: [EndpointStatus])
    func endpointHashKV(_ list: [EndpointHashKV])
    func alarm(_ response: Etcdserverpb_AlarmResponse)
}

public enum Printers {
    /// NewPrinter: nil for an unknown format name.
    public static func make(_ format: String, hex: Bool, valueOnly: Bool = false, sink: OutputSink) -> Printer? {
        switch format {
        case "simple": SimplePrinter(isHex: hex, valueOnly: valueOnly, sink: sink)
        case "json": JSONPrinter(sink: sink)
        case "fields": FieldsPrinter(sink: sink)
        case "protobuf": ProtobufPrinter(sink: sink)
        case "table": TablePrinter(sink: sink)
        default: nil
        }
    }
}

/// The rows shared by the simple and table printers (printer.go's make*Table).
public enum PrinterTables {
    public static func memberList(_ response: Etcdserverpb_MemberListResponse) -> (header: [String], rows: [[String]]) {
        let rows = response.members.map { member in
            [GoFormat.hex(member.id), member.name.isEmpty ? "unstarted" : "started", member.name,
             member.peerUrls.joined(separator: ","), member.clientUrls.joined(separator: ","),
             member.isLearner ? "true" : "false"]
        }
        return (["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"], rows)
    }

    public static func endpointHealth(_ list: [EndpointHealth]) -> (header: [String], rows: [[String]]) {
        (["endpoint", "health", "took", "error"], list.map { [$0.endpoint, "\($0.health)", $0.took, $0.error] })
    }

    public static func endpointStatus(_ list: [EndpointStatus]) -> (header: [String], rows: [[String]]) {
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

    public static func endpointHashKV(_ list: [EndpointHashKV]) -> (header: [String], rows: [[String]]) {
        (["endpoint", "hash"], list.map { [$0.endpoint, "\($0.response.hash)"] })
    }
}

/// The formats that support only some outputs: the rest exit with "<format> not supported as
/// output format" (printerUnsupported).
public protocol PartialPrinter: Printer {
    var formatName: String { get }
}

extension PartialPrinter {
    public func unsupported() {
        sink.unsupported("\(formatName) not supported as output format")
    }
}

/// The destination of a printer's bytes.
public protocol OutputSink: AnyObject {
    func outBytes(_ bytes: [UInt8])
    func err(_ text: String)
    /// The chosen format cannot show this output (etcdctl exits with ExitBadFeature).
    func unsupported(_ message: String)
}

extension OutputSink {
    public func out(_ text: String) { outBytes(Array(text.utf8)) }
}

/// Collects a printer's output in memory.
public final class BufferedOutput: OutputSink {
    public private(set) var stdout: [UInt8] = []
    public private(set) var stderr = ""
    public private(set) var unsupportedMessages: [String] = []

    public init() {}

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public func outBytes(_ bytes: [UInt8]) { stdout += bytes }
    public func err(_ text: String) { stderr += text }
    public func unsupported(_ message: String) { unsupportedMessages.append(message) }
}
