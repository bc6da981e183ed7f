import EtcdAPI
import EtcdClient
import Foundation
import Testing

/// The printers' bytes, checked against what etcdctl 3.4.23 prints for the same responses.
struct PrinterTests {
    static func header(revision: Int64) -> Etcdserverpb_ResponseHeader {
        var header = Etcdserverpb_ResponseHeader()
        header.clusterID = 14841639068965178418
        header.memberID = 10276657743932975437
        header.revision = revision
        header.raftTerm = 2
        return header
    }

    static func kv(_ key: String, _ value: String, create: Int64, mod: Int64, version: Int64, lease: Int64 = 0) -> Mvccpb_KeyValue {
        var kv = Mvccpb_KeyValue()
        kv.key = Data(key.utf8)
        kv.value = Data(value.utf8)
        kv.createRevision = create
        kv.modRevision = mod
        kv.version = version
        kv.lease = lease
        return kv
    }

    static func range() -> Etcdserverpb_RangeResponse {
        var response = Etcdserverpb_RangeResponse()
        response.header = header(revision: 3)
        response.kvs = [kv("foo", "bar", create: 2, mod: 2, version: 1)]
        response.count = 1
        return response
    }

    func render(_ format: String, hex: Bool = false, _ body: (Printer) -> Void) -> BufferedOutput {
        let sink = BufferedOutput()
        body(Printers.make(format, hex: hex, sink: sink)!)
        return sink
    }

    @Test func getInEveryFormat() {
        #expect(render("simple") { $0.get(Self.range()) }.stdoutText == "foo\nbar\n")
        #expect(render("simple", hex: true) { $0.get(Self.range()) }.stdoutText == "\\x66\\x6f\\x6f\n\\x62\\x61\\x72\n")
        #expect(render("json") { $0.get(Self.range()) }.stdoutText ==
            #"{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":3,"raft_term":2},"kvs":[{"key":"Zm9v","create_revision":2,"mod_revision":2,"version":1,"value":"YmFy"}],"count":1}"# + "\n")
        #expect(render("fields") { $0.get(Self.range()) }.stdoutText == """
            "ClusterID" : 14841639068965178418
            "MemberID" : 10276657743932975437
            "Revision" : 3
            "RaftTerm" : 2
            "Key" : "foo"
            "CreateRevision" : 2
            "ModRevision" : 2
            "Version" : 1
            "Value" : "bar"
            "Lease" : 0
            "More" : false
            "Count" : 1

            """)
        let table = render("table") { $0.get(Self.range()) }
        #expect(table.stdout.isEmpty && table.unsupportedMessages == ["table not supported as output format"])
    }

    @Test func txnSimpleShowsEachResponseAfterABlankLine() {
        var put = Etcdserverpb_PutResponse()
        put.header = Self.header(revision: 4)
        var delete = Etcdserverpb_DeleteRangeResponse()
        delete.deleted = 1
        delete.prevKvs = [Self.kv("a", "1", create: 2, mod: 2, version: 1)]
        var response = Etcdserverpb_TxnResponse()
        response.succeeded = true
        var first = Etcdserverpb_ResponseOp(), second = Etcdserverpb_ResponseOp(), third = Etcdserverpb_ResponseOp()
        first.responsePut = put
        second.responseDeleteRange = delete
        third.responseRange = Self.range()
        response.responses = [first, second, third]
        #expect(render("simple") { $0.txn(response) }.stdoutText == "SUCCESS\n\nOK\n\n1\na\n1\n\nfoo\nbar\n")
        let json = render("json") { $0.txn(response) }.stdoutText
        #expect(json.hasPrefix(#"{"succeeded":true,"responses":[{"Response":{"ResponsePut":{"header":{"#))
    }

    @Test func watchEventsInSimpleAndJSON() {
        var response = Etcdserverpb_WatchResponse()
        response.header = Self.header(revision: 9)
        var put = Mvccpb_Event()
        put.kv = Self.kv("foo", "x", create: 2, mod: 9, version: 4)
        var delete = Mvccpb_Event()
        delete.type = .delete
        var deleted = Mvccpb_KeyValue()
        deleted.key = Data("foo".utf8)
        deleted.modRevision = 10
        delete.kv = deleted
        response.events = [put, delete]
        #expect(render("simple") { $0.watch(response) }.stdoutText == "PUT\nfoo\nx\nDELETE\nfoo\n\n")
        #expect(render("json") { $0.watch(response) }.stdoutText ==
            #"{"Header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":9,"raft_term":2},"Events":[{"kv":{"key":"Zm9v","create_revision":2,"mod_revision":9,"version":4,"value":"eA=="}},{"type":1,"kv":{"key":"Zm9v","mod_revision":10}}],"CompactRevision":0,"Canceled":false,"Created":false}"# + "\n")
    }

    @Test func leaseOutputs() {
        var grant = Etcdserverpb_LeaseGrantResponse()
        grant.header = Self.header(revision: 6)
        grant.id = 0x390da21a5184e62d
        grant.ttl = 100
        #expect(render("simple") { $0.grant(grant) }.stdoutText == "lease 390da21a5184e62d granted with TTL(100s)\n")
        #expect(render("json") { $0.grant(grant) }.stdoutText ==
            #"{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":6,"raft_term":2,"ID":4111120268779644461,"TTL":100,"Error":""}"# + "\n")
        var ttl = Etcdserverpb_LeaseTimeToLiveResponse()
        ttl.id = 0x2a
        ttl.ttl = 49
        ttl.grantedTtl = 50
        ttl.keys = [Data("k".utf8), Data("j".utf8)]
        #expect(render("simple") { $0.timeToLive(ttl, keys: true) }.stdoutText ==
            "lease 000000000000002a granted with TTL(50s), remaining(49s), attached keys([k j])\n")
        ttl.grantedTtl = 0
        ttl.ttl = -1
        #expect(render("simple") { $0.timeToLive(ttl, keys: false) }.stdoutText == "lease 000000000000002a already expired\n")
        var leases = Etcdserverpb_LeaseLeasesResponse()
        #expect(render("json") { $0.leases(leases) }.stdoutText == #"{"leases":[]}"# + "\n")
        var status = Etcdserverpb_LeaseStatus()
        status.id = 7
        leases.leases = [status]
        #expect(render("simple") { $0.leases(leases) }.stdoutText == "found 1 leases\n0000000000000007\n")
    }

    @Test func memberListTableMatchesTablewriter() {
        var member = Etcdserverpb_Member()
        member.id = 0xbdae9bbc11dd390d
        member.name = "default"
        member.peerUrls = ["http://127.0.0.1:23801"]
        member.clientUrls = ["http://127.0.0.1:23791"]
        var response = Etcdserverpb_MemberListResponse()
        response.members = [member]
        #expect(render("table") { $0.memberList(response) }.stdoutText == """
            +------------------+---------+---------+------------------------+------------------------+------------+
            |        ID        | STATUS  |  NAME   |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |
            +------------------+---------+---------+------------------------+------------------------+------------+
            | bdae9bbc11dd390d | started | default | http://127.0.0.1:23801 | http://127.0.0.1:23791 |      false |
            +------------------+---------+---------+------------------------+------------------------+------------+

            """)
        #expect(render("simple") { $0.memberList(response) }.stdoutText ==
            "bdae9bbc11dd390d, started, default, http://127.0.0.1:23801, http://127.0.0.1:23791, false\n")
    }

    @Test func endpointHealthGoesToStderrInSimpleFormat() {
        let healthy = EndpointHealth(endpoint: "127.0.0.1:2379", health: true, took: "1.5ms", error: "")
        let output = render("simple") { $0.endpointHealth([healthy]) }
        #expect(output.stdout.isEmpty)
        #expect(output.stderr == "127.0.0.1:2379 is healthy: successfully committed proposal: took = 1.5ms\n")
        #expect(render("json") { $0.endpointHealth([healthy]) }.stdoutText ==
            #"[{"endpoint":"127.0.0.1:2379","health":true,"took":"1.5ms"}]"# + "\n")
    }

    @Test func goFormatting() {
        #expect(GoFormat.quote("a\"b\\c\n\u{7}é") == #""a\"b\\c\n\aé""#)
        #expect(GoFormat.quote(bytes: [0x66, 0xFF, 0x00]) == #""f\xff\x00""#)
        #expect(GoFormat.jsonString("<a&b>") == #""\u003ca\u0026b\u003e""#)
        #expect(GoFormat.humanBytes(20480) == "20 kB")
        #expect(GoFormat.humanBytes(1_234_567) == "1.2 MB")
        #expect(GoFormat.humanBytes(7) == "7 B")
        #expect(GoFormat.duration(nanoseconds: 1_359_577) == "1.359577ms")
        #expect(GoFormat.duration(nanoseconds: 2_500_000_000) == "2.5s")
        #expect(GoFormat.duration(nanoseconds: 61_000_000_000) == "1m1s")
        #expect(GoFormat.hex16(-1) == "-000000000000001")
        #expect(GoParse.durationMilliseconds("1m30s") == 90_000)
        #expect(GoParse.durationMilliseconds("abc") == nil)
        #expect(GoParse.int64Error("zz", base: 16) == #"strconv.ParseInt: parsing "zz": invalid syntax"#)
    }

    /// text/tabwriter with tab padding: columns are padded to the widest cell of their block.
    @Test func tabWriterPadsColumnsWithTabs() {
        let text = "\talarm disarm\tDisarms all alarms\n\tget\tGets\n\trole revoke-permission\tRevokes\n\nX\n"
        #expect(TabWriter.format(text) ==
            "\talarm disarm\t\tDisarms all alarms\n\tget\t\t\tGets\n\trole revoke-permission\tRevokes\n\nX\n")
    }
}
