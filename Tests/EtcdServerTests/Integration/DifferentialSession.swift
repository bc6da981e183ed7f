extension EtcdIntegration {
    /// The scripted session of the differential test: every etcdctl command and flag the etcd issue
    /// names, in simple, json and table output (where etcdctl supports them), including the error
    /// cases. Revisions are deterministic: the same script gives the same revisions on any etcd 3.4.
    enum DifferentialSession {
        typealias S = SessionStep

        static let steps: [SessionStep] = setup + reads + leases + errors + deletes + txns
            + compaction + watches + maintenance + http + finalState

        static let setup: [S] = [
            .ctl("put", "foo", "bar"),                 // rev 2
            .ctl("put", "foo1", "bar1"),               // 3
            .ctl("put", "foo2", "bar2"),               // 4
            .ctl("put", "foo3", "bar3", "-w", "json"), // 5
            .ctl("put", "zoo", "val"),                 // 6
            .ctl("put", "foo", "bar-2", "--prev-kv"),  // 7
            .ctl("put", "foo", "bar-3", "--prev-kv", "-w", "json"), // 8
            .ctl("put", "foo1", "--ignore-value"),     // 9 (keeps bar1)
            .ctl("put", "foo2", "bar2-b", "-w", "fields"), // 10
        ]

        static let reads: [S] = [
            // Before any lease exists: the hash covers only keys and values (lease IDs differ per server).
            .ctl("endpoint", "hashkv"),
            .ctl("endpoint", "hashkv", "-w", "json"),
            .ctl("endpoint", "hashkv", "-w", "table"),
            .ctl("get", "foo"),
            .ctl("get", "foo", "-w", "json"),
            .ctl("get", "foo", "-w", "fields"),
            .ctl("get", "foo", "-w", "table"),
            .ctl("get", "foo", "--prefix"),
            .ctl("get", "foo", "--prefix", "-w", "json"),
            .ctl("get", "foo", "--prefix", "--limit", "2"),
            .ctl("get", "foo", "--prefix", "--limit", "2", "-w", "json"),
            .ctl("get", "foo", "--prefix", "--sort-by=MODIFY", "--order=DESCEND"),
            .ctl("get", "foo", "--prefix", "--sort-by=KEY", "--order=DESCEND"),
            .ctl("get", "foo", "--prefix", "--sort-by=VALUE", "--order=ASCEND"),
            .ctl("get", "foo", "--prefix", "--sort-by=CREATE", "--order=DESCEND", "--limit", "3"),
            .ctl("get", "foo", "--prefix", "--sort-by=VERSION", "--order=DESCEND", "-w", "json"),
            .ctl("get", "foo", "--prefix", "--order=DESCEND"),
            .ctl("get", "foo1", "--from-key"),
            .ctl("get", "foo1", "--from-key", "--keys-only", "-w", "json"),
            .ctl("get", "foo1", "foo3"),
            .ctl("get", "foo", "--prefix", "--keys-only"),
            // etcdctl 3.4 has no --count-only (3.5 added it); "count" is checked in the json outputs.
            .ctl("get", "foo", "--prefix", "--limit", "1", "-w", "fields"),
            .ctl("get", "foo", "--prefix", "--print-value-only"),
            .ctl("get", "", "--prefix", "--print-value-only", "--keys-only"),
            .ctl("get", "foo", "--rev", "2"),
            .ctl("get", "foo", "--rev", "7", "-w", "json"),
            .ctl("get", "foo", "--prefix", "--rev", "4"),
            .ctl("get", "foo", "--rev", "1"),
            .ctl("get", "foo", "--consistency=s"),
            .ctl("get", "foo", "--prefix", "--consistency=s", "-w", "json"),
            .ctl("get", "", "--from-key", "--keys-only"),
            .ctl("get", "nothing-here"),
            .ctl("get", "nothing-here", "-w", "json"),
        ]

        static let leases: [S] = [
            .ctl("lease", "grant", "600", lease: "a"),
            .ctl("lease", "grant", "1200", "-w", "json", lease: "c"),
            .ctl("lease", "grant", "900", lease: "b"),
            .ctl("put", "leased", "v1", "--lease={lease:a}"),
            .ctl("put", "leased2", "v1", "--lease={lease:a}", "-w", "json"),
            .ctl("put", "leased", "v2", "--ignore-lease"),
            .ctl("put", "leased", "--ignore-lease", "--ignore-value"),
            .ctl("get", "leased", "-w", "json"),
            .ctl("put", "leased3", "v1", "--lease={lease:b}"),
            .ctl("lease", "timetolive", "{lease:a}"),
            .ctl("lease", "timetolive", "{lease:a}", "--keys"),
            .ctl("lease", "timetolive", "{lease:a}", "--keys", "-w", "json"),
            .ctl("lease", "timetolive", "{lease:b}", "-w", "json"),
            .ctl("lease", "keep-alive", "--once", "{lease:a}"),
            .ctl("lease", "keep-alive", "--once", "{lease:b}", "-w", "json"),
            .ctl("lease", "revoke", "{lease:b}"),
            .ctl("get", "leased3"),
            .ctl("lease", "list"),
            .ctl("lease", "list", "-w", "json"),
            .ctl("lease", "revoke", "{lease:a}", "-w", "json"),
            .ctl("get", "leased", "--prefix", "-w", "json"),
            .ctl("lease", "revoke", "{lease:a}"),
            .ctl("lease", "timetolive", "{lease:a}"),
            .ctl("lease", "timetolive", "{lease:a}", "-w", "json"),
            .ctl("lease", "keep-alive", "--once", "{lease:a}"),
        ]

        static let errors: [S] = [
            .ctl("put", "", "x"),
            .ctl("put", "unleased", "x", "--lease=1234abcd"),
            .ctl("put", "foo", "--ignore-value", "-w", "json"),
            .ctl("put", "nokey", "--ignore-value"),
            .ctl("get", "foo", "--rev", "1000"),
            .ctl("get", "foo", "--rev", "1000", "-w", "json"),
            .ctl("lease", "timetolive", "1234abcd"),
            .ctl("lease", "revoke", "1234abcd"),
            .ctl("lease", "keep-alive", "--once", "1234abcd"),
            .ctl("get", "foo", "--prefix", "--from-key"),
        ]

        static let deletes: [S] = [
            .ctl("del", "foo3"),
            .ctl("del", "foo3"),
            .ctl("del", "foo3", "-w", "json"),
            .ctl("put", "del/a", "1"), .ctl("put", "del/b", "2"), .ctl("put", "del/c", "3"),
            .ctl("put", "zz1", "1"), .ctl("put", "zz2", "2"),
            .ctl("del", "del/", "--prefix", "--prev-kv"),
            .ctl("put", "del/a", "1"),
            .ctl("del", "del/", "--prefix", "--prev-kv", "-w", "json"),
            .ctl("del", "zz", "--from-key", "--prev-kv"),
            .ctl("del", "zz", "--from-key", "-w", "json"),
            .ctl("del", "a", "b"),
            .ctl("del", ""),
            .ctl("get", "", "--prefix", "-w", "json"),
        ]

        // Each txn reads compares, a blank line, success ops, a blank line, failure ops, a blank line.
        static let txns: [S] = [
            .ctl("txn", stdin: "value(\"foo\") = \"bar-3\"\nmod(\"foo1\") > \"0\"\n\n"
                    + "put txn/ok yes\nget foo --prefix\ndel zoo\n\nput txn/fail yes\n\n"),
            .ctl("txn", "-w", "json", stdin: "version(\"txn/ok\") = \"5\"\n\nput txn/never x\n\n"
                    + "put txn/else y\nget txn --prefix\n\n"),
            .ctl("txn", "-i", stdin: "create(\"txn/ok\") > \"0\"\nvalue(\"foo2\") != \"nope\"\n\n"
                    + "get txn/ok\nput txn/interactive yes\n\ndel txn/ok\n\n"),
            .ctl("txn", "-i", "-w", "json", stdin: "version(\"foo\") < \"3\"\n\nput txn/j 1\n\nget txn/ok\n\n"),
            .ctl("txn", "-w", "table", stdin: "\nput txn/table 1\n\n\n"),
            .ctl("txn", stdin: "\nput txn/dup 1\nput txn/dup 2\n\n\n"),
            .ctl("txn", stdin: "\ndel txn/ --prefix --prev-kv\nput txn/after 1\n\n\n"),
            .ctl("txn", stdin: "garbage\n\n\n\n"),
            .ctl("txn", "-w", "json", stdin: "mod(\"missing\") = \"0\"\n\nget missing\n\n\n"),
            .ctl("get", "txn", "--prefix"),
        ]

        static let compaction: [S] = [
            .ctl("compaction", "5"),
            .ctl("get", "foo", "--rev", "4"),
            .ctl("get", "foo", "--rev", "5", "-w", "json"),
            .ctl("compaction", "5"),
            .ctl("compaction", "3"),
            .ctl("compaction", "9", "--physical"),
            .ctl("get", "foo", "--rev", "8"),
            .ctl("get", "foo", "--rev", "9"),
            .ctl("compaction", "100000"),
            .ctl("endpoint", "hashkv", "--rev", "10"),
        ]

        static let watches: [S] = [
            S(action: .watch(["watch", "--prefix", "w/"],
                             during: [["put", "w/1", "a"], ["put", "w/2", "b"], ["del", "w/1"], ["put", "other", "x"], ["put", "w/end", "1"]],
                             until: "w/end")),
            S(action: .watch(["watch", "w/1", "w/3", "--prev-kv", "-w", "json"],
                             during: [["put", "w/1", "c"], ["put", "w/1", "d"], ["put", "w/2", "e"], ["del", "w/1"], ["put", "w/1", "end"]],
                             until: "ZW5k")),   // base64("end")
            S(action: .watch(["watch", "w/", "--prefix", "--rev", "12", "--prev-kv"], during: [["put", "w/after", "z"]],
                             until: "w/after")),
            S(action: .watch(["watch", "w/2", "--rev", "12", "-w", "json"], during: [], until: "ZQ==")),  // base64("e")
            S(action: .watch(["watch", "foo", "--rev", "2"], during: [], until: nil)),   // compacted
            S(action: .interactiveWatch(flags: [], commands: ["watch w/i --prefix", "watch", "bogus", "progress"],
                                        during: [["put", "w/i/1", "x"], ["put", "w/i/2", "y"], ["del", "w/i/", "--prefix"], ["put", "w/i/end", "z"]],
                                        until: "w/i/end")),
            S(action: .interactiveWatch(flags: ["-w", "json"], commands: ["watch w/j --prev-kv"],
                                        during: [["put", "w/j", "1"], ["put", "w/j", "2"]],
                                        until: "Mg==")),   // base64("2")
        ]

        static let maintenance: [S] = [
            .ctl("defrag"),
            .ctl("defrag", "-w", "json"),
            .ctl("endpoint", "health"),
            .ctl("endpoint", "health", "-w", "json"),
            .ctl("endpoint", "health", "-w", "table"),
            .ctl("endpoint", "status"),
            .ctl("endpoint", "status", "-w", "json"),
            .ctl("endpoint", "status", "-w", "table"),
            // Revisions up to 10 carry no lease IDs, so their hash must be identical.
            .ctl("endpoint", "hashkv", "--rev", "10"),
            .ctl("endpoint", "hashkv", "--rev", "10", "-w", "json"),
            .ctl("endpoint", "hashkv", "--rev", "10", "-w", "table"),
            .ctl("alarm", "list"),
            .ctl("alarm", "list", "-w", "json"),
            .ctl("alarm", "list", "-w", "table"),
            .ctl("alarm", "disarm"),
            .ctl("member", "list"),
            .ctl("member", "list", "-w", "json"),
            .ctl("member", "list", "-w", "table"),
            S(action: .snapshot(file: "snap.db"), compareStderr: false),
        ]

        /// HTTP/1.1 on the client port: /health, /version, /metrics and the JSON gateway
        /// (keys and values base64: "aHR0cC9h" = "http/a", "MQ==" = "1", "Mg==" = "2").
        static let http: [S] = [
            .http("GET", "/health"),
            .http("GET", "/version"),
            S(action: .http(method: "GET", path: "/metrics", body: nil, metrics: [
                "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_leader_changes_seen_total",
                "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total",
                "etcd_server_proposals_pending", "etcd_server_proposals_failed_total",
                "etcd_mvcc_db_total_size_in_bytes", "etcd_disk_wal_fsync_duration_seconds_bucket",
                "etcd_disk_backend_commit_duration_seconds_bucket", "etcd_debugging_mvcc_keys_total",
                "grpc_server_handled_total",
            ])),
            .http("POST", "/v3/kv/put", #"{"key":"aHR0cC9h","value":"MQ=="}"#),
            .http("POST", "/v3/kv/put", #"{"key":"aHR0cC9h","value":"Mg==","prev_kv":true}"#),
            .http("POST", "/v3/kv/range", #"{"key":"aHR0cC9h"}"#),
            .http("POST", "/v3/kv/range", #"{"key":"aHR0cA==","range_end":"aHR0cQ==","keys_only":true}"#),
            .http("POST", "/v3/kv/range", #"{"key":"aHR0cC9h","revision":100000}"#),
            .http("POST", "/v3/kv/txn", #"{"compare":[{"target":"VALUE","key":"aHR0cC9h","value":"Mg=="}],"success":[{"request_put":{"key":"aHR0cC9i","value":"MQ=="}}],"failure":[]}"#),
            .http("POST", "/v3/kv/deleterange", #"{"key":"aHR0cC9h","prev_kv":true}"#),
            .http("POST", "/v3/lease/grant", #"{"TTL":600}"#, lease: "h"),
            .http("POST", "/v3/kv/lease/timetolive", #"{"ID":"{leasedec:h}"}"#),
            .http("POST", "/v3/lease/revoke", #"{"ID":"{leasedec:h}"}"#),
            .http("POST", "/v3/kv/put", #"{"key":""}"#),
            .http("POST", "/v3/kv/nonexistent", "{}"),
        ]

        static let finalState: [S] = [
            // Lease expiry last: granting a 1 s lease (etcd raises it to its minimum TTL) and
            // waiting for the key to vanish.
            .ctl("lease", "grant", "1", lease: "short"),
            .ctl("put", "expiring", "x", "--lease={lease:short}"),
            S(action: .waitUntilGone(key: "expiring", timeout: 15)),
            .ctl("lease", "timetolive", "{lease:short}"),
            .ctl("get", "expiring", "-w", "json"),
            // Everything survives a clean stop: data, revisions, compaction, leases.
            S(action: .restart),
            .ctl("get", "", "--prefix", "--keys-only", "-w", "json"),
            .ctl("get", "foo", "--rev", "8"),
            .ctl("get", "foo", "--rev", "9", "-w", "json"),
            .ctl("endpoint", "hashkv", "--rev", "10"),
            .ctl("lease", "list"),
            .ctl("lease", "timetolive", "{lease:c}"),
            .ctl("get", "", "--prefix", "-w", "json"),
            .ctl("put", "last", "1", "-w", "json"),
        ]

        /// A member started with --quota-backend-bytes=1 MiB, filled until NOSPACE: the alarm,
        /// what is refused while it is raised (puts, txn puts, lease grants), what still works
        /// (reads, deletes, compaction, defrag), disarm, and writes again. Revisions depend on
        /// how many values fit, so this session is compared with revisions masked.
        static let quotaArguments = ["--quota-backend-bytes", "1048576"]
        static let noSpace: [S] = [
            .ctl("put", "small", "1"),
            .ctl("alarm", "list"),
            S(action: .fillUntilFailure(prefix: "big/", valueBytes: 100_000, maxPuts: 120)),
            .ctl("alarm", "list"),
            .ctl("alarm", "list", "-w", "json"),
            .ctl("put", "small", "2"),
            .ctl("put", "small", "2", "-w", "json"),
            .ctl("txn", stdin: "\nput small 3\n\n\n"),
            .ctl("txn", stdin: "\nget small\n\n\n"),
            .ctl("lease", "grant", "60"),
            .ctl("get", "small"),
            S(action: .ctl(["del", "big/", "--prefix"], stdin: nil), compareExitOnly: true),
            S(action: .ctl(["compaction", "--physical", "{rev}"], stdin: nil), compareExitOnly: true),
            .ctl("defrag"),
            .ctl("alarm", "disarm"),
            .ctl("alarm", "list"),
            .ctl("put", "small", "4"),
            .ctl("get", "small", "--print-value-only"),
        ]
    }
}
