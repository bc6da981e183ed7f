extension EtcdIntegration {
    /// The auth session of the differential test (etcd issue #6): root, users and roles, then
    /// every allowed and denied operation per role on a key, a range and a prefix, with the
    /// real etcdctl against both servers. bcrypt cost 4 keeps the hashing fast on both.
    enum AuthDifferentialSession {
        typealias S = SessionStep

        static let serverArguments = ["--bcrypt-cost", "4"]

        static let steps: [SessionStep] = setup + enable + reader + writer + txns + leases + watches + admin
            + changes + teardown + restart

        static func as_(_ user: String, _ args: String..., stdin: String? = nil) -> SessionStep {
            SessionStep(action: .ctl(["--user", user] + args, stdin: stdin))
        }

        static let setup: [S] = [
            .ctl("auth", "enable"),  // no root user yet
            .ctl("put", "foo", "v0"), .ctl("put", "pre/a", "p0"), .ctl("put", "m", "m0"),
            .ctl("user", "add", "root:rootpw"),
            .ctl("user", "add", "--interactive=false", "alice", stdin: "alicepw\n"),
            .ctl("user", "add", "bob", "--new-user-password", "bobpw"),
            .ctl("user", "add", "carol:carolpw", "-w", "json"),
            .ctl("user", "add", "bob:again"),
            .ctl("user", "add", ":nameless"),
            .ctl("role", "add", "reader"), .ctl("role", "add", "writer"), .ctl("role", "add", "reader"),
            .ctl("role", "add", "prefixer", "-w", "json"),
            .ctl("role", "grant-permission", "reader", "read", "foo"),
            .ctl("role", "grant-permission", "reader", "read", "--prefix", "pre/"),
            .ctl("role", "grant-permission", "writer", "readwrite", "a", "n"),
            .ctl("role", "grant-permission", "writer", "write", "--from-key", "zz"),
            .ctl("role", "grant-permission", "prefixer", "readwrite", "--prefix", "pre/"),
            .ctl("role", "grant-permission", "writer", "bogus", "k"),
            .ctl("role", "grant-permission", "writer", "read", "k", "--prefix", "--from-key"),
            .ctl("role", "grant-permission", "nope", "read", "k"),
            .ctl("role", "get", "reader"), .ctl("role", "get", "writer"), .ctl("role", "get", "writer", "-w", "json"),
            .ctl("role", "get", "nope"),
            .ctl("user", "grant-role", "alice", "reader"), .ctl("user", "grant-role", "bob", "writer"),
            .ctl("user", "grant-role", "carol", "prefixer"), .ctl("user", "grant-role", "carol", "prefixer"),
            .ctl("user", "grant-role", "bob", "nope"), .ctl("user", "grant-role", "dave", "reader"),
            .ctl("user", "get", "alice"), .ctl("user", "get", "bob", "--detail"), .ctl("user", "get", "carol", "-w", "json"),
            .ctl("user", "list"), .ctl("role", "list"),
        ]

        static let enable: [S] = [
            .ctl("auth", "enable"),  // etcdctl creates the root role and grants it to root
            .ctl("auth", "enable"),
            .ctl("put", "foo", "v1"), .ctl("get", "foo"), .ctl("user", "list"),
            as_("root:wrong", "get", "foo"), as_("nobody:x", "get", "foo"),
            as_("root:rootpw", "put", "foo", "v1"), as_("root:rootpw", "get", "", "--from-key"),
            .ctl("--user", "root", "--password", "rootpw", "get", "foo"),
        ]

        /// alice reads foo and the pre/ prefix, writes nothing.
        static let reader: [S] = [
            as_("alice:alicepw", "get", "foo"), as_("alice:alicepw", "get", "foo", "-w", "json"),
            as_("alice:alicepw", "put", "foo", "v2"), as_("alice:alicepw", "del", "foo"),
            as_("alice:alicepw", "get", "pre/a"), as_("alice:alicepw", "get", "pre/", "--prefix"),
            as_("alice:alicepw", "get", "pre/a", "pre/z"), as_("alice:alicepw", "get", "pre", "--prefix"),
            as_("alice:alicepw", "get", "m"), as_("alice:alicepw", "get", "foo", "--consistency=s"),
            as_("alice:alicepw", "get", "", "--from-key"),
        ]

        /// bob reads and writes [a, n), writes from zz on; carol reads and writes the pre/ prefix.
        static let writer: [S] = [
            as_("bob:bobpw", "put", "b", "vb"), as_("bob:bobpw", "put", "m", "m1"), as_("bob:bobpw", "put", "n", "x"),
            as_("bob:bobpw", "put", "zzz", "vz"), as_("bob:bobpw", "get", "zzz"), as_("bob:bobpw", "get", "a", "n"),
            as_("bob:bobpw", "get", "a", "o"), as_("bob:bobpw", "get", "b", "--prev-kv"),
            as_("bob:bobpw", "put", "b", "vb2", "--prev-kv"), as_("bob:bobpw", "put", "zzz", "vz2", "--prev-kv"),
            as_("bob:bobpw", "del", "b", "--prev-kv"), as_("bob:bobpw", "del", "zzz", "--prev-kv"), as_("bob:bobpw", "del", "zzz"),
            as_("bob:bobpw", "del", "a", "n"), as_("bob:bobpw", "del", "a", "o"),
            as_("carol:carolpw", "put", "pre/b", "p1"), as_("carol:carolpw", "get", "pre/", "--prefix"),
            as_("carol:carolpw", "del", "pre/", "--prefix"), as_("carol:carolpw", "put", "pre", "x"),
            as_("carol:carolpw", "put", "pre/a", "p2"),
        ]

        static let txns: [S] = [
            as_("bob:bobpw", "txn", stdin: "value(\"m\") = \"m1\"\n\nput b t1\n\nget m\n\n"),
            as_("bob:bobpw", "txn", stdin: "value(\"foo\") = \"v1\"\n\nput b t2\n\n\n"),
            as_("bob:bobpw", "txn", stdin: "value(\"m\") = \"m1\"\n\nput foo t3\n\n\n"),
            as_("bob:bobpw", "txn", stdin: "value(\"m\") = \"zz\"\n\nput b t4\n\nget foo\n\n"),
            as_("bob:bobpw", "txn", stdin: "\nget a n\n\ndel zz\n\n"),
            as_("alice:alicepw", "txn", stdin: "value(\"foo\") = \"v1\"\n\nget pre/a\n\n\n"),
            as_("alice:alicepw", "txn", "-w", "json", stdin: "value(\"foo\") = \"v1\"\n\nput foo x\n\n\n"),
        ]

        static let leases: [S] = [
            S(action: .ctl(["--user", "bob:bobpw", "lease", "grant", "600"], stdin: nil), captureLease: "first"),
            S(action: .ctl(["--user", "root:rootpw", "lease", "grant", "600"], stdin: nil), captureLease: "root"),
            S(action: .ctl(["--user", "bob:bobpw", "lease", "grant", "900"], stdin: nil), captureLease: "bob"),
            // x1 is outside bob's [a, n): he may neither attach to nor revoke the lease holding it.
            as_("root:rootpw", "put", "x1", "leased", "--lease={lease:root}"),
            as_("bob:bobpw", "put", "c", "leased", "--lease={lease:root}"),
            as_("bob:bobpw", "lease", "revoke", "{lease:root}"),
            as_("bob:bobpw", "put", "c", "leased", "--lease={lease:bob}"),
            as_("bob:bobpw", "lease", "revoke", "{lease:bob}"),
            as_("bob:bobpw", "get", "c"),
            as_("root:rootpw", "get", "x1"),
            as_("root:rootpw", "lease", "revoke", "{lease:root}"),
            as_("root:rootpw", "get", "x1"),
        ]

        static let watches: [S] = [
            S(action: .watch(["--user", "alice:alicepw", "watch", "pre/", "--prefix"],
                             during: [["--user", "carol:carolpw", "put", "pre/w", "w1"]], until: "w1")),
            S(action: .watch(["--user", "alice:alicepw", "watch", "m"], during: [], until: "canceled")),
            S(action: .watch(["watch", "foo"], during: [], until: "canceled")),
        ]

        static let admin: [S] = [
            as_("bob:bobpw", "compaction", "3"), .ctl("compaction", "4"),
            as_("bob:bobpw", "alarm", "list"), as_("bob:bobpw", "member", "list"),
            as_("bob:bobpw", "defrag"), as_("root:rootpw", "defrag"), as_("bob:bobpw", "endpoint", "hashkv"),
            as_("bob:bobpw", "endpoint", "status", "-w", "json"),
            as_("alice:alicepw", "user", "list"), as_("alice:alicepw", "user", "get", "alice"),
            as_("alice:alicepw", "user", "get", "bob"), as_("alice:alicepw", "role", "get", "reader"),
            as_("alice:alicepw", "role", "get", "writer"), as_("alice:alicepw", "role", "add", "x"),
            as_("alice:alicepw", "auth", "disable"), as_("alice:alicepw", "user", "add", "eve:x"),
            as_("root:rootpw", "user", "delete", "root"), as_("root:rootpw", "role", "delete", "root"),
            as_("root:rootpw", "user", "revoke-role", "root", "root"),
        ]

        static let changes: [S] = [
            as_("root:rootpw", "user", "revoke-role", "alice", "writer"),
            as_("root:rootpw", "user", "revoke-role", "carol", "prefixer"),
            as_("carol:carolpw", "get", "pre/a"),
            as_("root:rootpw", "role", "revoke-permission", "reader", "foo"),
            as_("root:rootpw", "role", "revoke-permission", "reader", "foo"),
            as_("alice:alicepw", "get", "foo"),
            as_("root:rootpw", "role", "revoke-permission", "writer", "a", "n"),
            as_("root:rootpw", "role", "revoke-permission", "writer", "zz", "--from-key"),
            as_("root:rootpw", "role", "revoke-permission", "prefixer", "pre/", "--prefix", "-w", "json"),
            as_("root:rootpw", "role", "get", "writer"),
            as_("root:rootpw", "user", "passwd", "alice", "--interactive=false", stdin: "newpw\n"),
            as_("alice:alicepw", "get", "pre/a"), as_("alice:newpw", "get", "pre/a"),
            as_("root:rootpw", "user", "delete", "bob"), as_("bob:bobpw", "get", "m"),
            as_("root:rootpw", "role", "delete", "prefixer"), as_("root:rootpw", "user", "get", "carol"),
        ]

        static let teardown: [S] = [
            as_("root:rootpw", "auth", "disable"), .ctl("auth", "disable"),
            .ctl("put", "foo", "free"), .ctl("user", "get", "root"), .ctl("user", "list"),
        ]

        /// Users, roles and permissions live in the backend: they survive a restart (the harness
        /// checks health without credentials, so auth is off while the member restarts).
        static let restart: [S] = [
            S(action: .restart),
            .ctl("user", "list"), .ctl("role", "list"), .ctl("role", "get", "reader"), .ctl("user", "get", "alice"),
            .ctl("auth", "enable"), .ctl("get", "foo"), as_("alice:newpw", "get", "pre/a"), as_("alice:alicepw", "get", "pre/a"),
            as_("alice:newpw", "get", "foo"), as_("root:rootpw", "auth", "disable"),
            .ctl("user", "delete", "root"), .ctl("role", "delete", "root"), .ctl("auth", "enable"),
        ]
    }
}
