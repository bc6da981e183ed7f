import EtcdAPI

/// `-w table`: olekukonko/tablewriter with etcdctl's settings (headers upper-cased and
/// centered, cells right-aligned); only the member and endpoint outputs support it.
public struct TablePrinter: PartialPrinter {
    public let sink: OutputSink

    public init(sink: OutputSink) { self.sink = sink }

    public var formatName: String { "table" }

    public static func render(header: [String], rows: [[String]]) -> String {
        let titles = header.map { $0.uppercased() }
        var widths = titles.map { $0.count }
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        let border = "+" + widths.map { String(repeating: "-", count: $0 + 2) + "+" }.joined() + "\n"
        var text = border + "|"
        for (index, title) in titles.enumerated() {
            let gap = widths[index] - title.count
            let left = gap / 2
            text += " " + String(repeating: " ", count: left) + title + String(repeating: " ", count: gap - left) + " |"
        }
        text += "\n" + border
        for row in rows {
            text += "|"
            for (index, cell) in row.enumerated() {
                text += " " + String(repeating: " ", count: widths[index] - cell.count) + cell + " |"
            }
            text += "\n"
        }
        return text + border
    }

    public func show(_ table: (header: [String], rows: [[String]])) {
        sink.out(TablePrinter.render(header: table.header, rows: table.rows))
    }

    public func memberList(_ response: Etcdserverpb_MemberListResponse) { show(PrinterTables.memberList(response)) }
    public func endpointHealth(_ list: [EndpointHealth]) { show(PrinterTables.endpointHealth(list)) }
    public func endpointStatus(_ list: [EndpointStatus]) { show(PrinterTables.endpointStatus(list)) }
    public func endpointHashKV(_ list: [EndpointHashKV]) { show(PrinterTables.endpointHashKV(list)) }

    public func del(_ response: Etcdserverpb_DeleteRangeResponse) { unsupported() }
    public func get(_ response: Etcdserverpb_RangeResponse) { unsupported() }
    public func put(_ response: Etcdserverpb_PutResponse) { unsupported() }
    public func txn(_ response: Etcdserverpb_TxnResponse) { unsupported() }
    public func watch(_ response: Etcdserverpb_WatchResponse) { unsupported() }
    public func grant(_ response: Etcdserverpb_LeaseGrantResponse) { unsupported() }
    public func revoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) { unsupported() }
    public func keepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) { unsupported() }
    public func timeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) { unsupported() }
    public func leases(_ response: Etcdserverpb_LeaseLeasesResponse) { unsupported() }
    public func alarm(_ response: Etcdserverpb_AlarmResponse) { unsupported() }

    public func memberAdd(_ response: Etcdserverpb_MemberAddResponse) { unsupported() }
    public func memberRemove(_ id: UInt64, _ response: Etcdserverpb_MemberRemoveResponse) { unsupported() }
    public func memberUpdate(_ id: UInt64, _ response: Etcdserverpb_MemberUpdateResponse) { unsupported() }
    public func memberPromote(_ id: UInt64, _ response: Etcdserverpb_MemberPromoteResponse) { unsupported() }
}
