import Foundation
import Glibc

/// The session both etcdctl binaries run, step by step, against a fresh server.
enum Step {
    /// etcdctl --endpoints <server> <words>, with `input` on stdin.
    case run(String, input: String = "")
    /// etcdctl <words> (no --endpoints: for unreachable-endpoint cases; `$EP` is the server).
    case bare(String)
    /// Started in the background (watch); its output is taken at the next `.collect`.
    case background(String, input: String = "")
    case collect

    var label: String {
        switch self {
        case .run(let words, let input): input.isEmpty ? words : "\(words) <<< \(input.debugDescription)"
        case .bare(let words): words
        case .background(let words, _): "& \(words)"
        case .collect: "collect"
        }
    }
}

enum DifferentialScript {
    /// Where `snapshot save` writes (the same path for both runs: it appears in the output).
    static let snapshotPath = NSTemporaryDirectory() + "keel-ctl-snapshot-\(getpid()).db"

    /// Commands × formats, with their error cases. `$LEASE` is the last lease granted.
    static func steps(includeClusterFlag: Bool) -> [Step] {
        var steps: [Step] = [
            // put
            .run("put foo bar"), .run("put foo2 baz -w json"), .run("put foo bar2 --prev-kv"),
            .run("put foo bar3 --prev-kv -w json"), .run("put foo bar4 --prev-kv -w fields"), .run("put foo bar5 -w protobuf"),
            .run("put k", input: "from stdin"), .run("put k"), .run("put"), .run("put k v --lease=zz"), .run("put k v --lease=123"),
            .run("put k --ignore-value"), .run("put nokey --ignore-value"), .run("put k v --ignore-value"), .run("put k v -w table"),
            // get
            .run("get foo"), .run("get foo -w json"), .run("get foo -w fields"), .run("get foo -w protobuf"),
            .run("get --prefix fo"), .run("get --prefix fo --keys-only"), .run("get --prefix fo --print-value-only"),
            .run("get --from-key f"), .run("get fo foo3"), .run("get --prefix fo --limit 1 -w json"),
            .run("get --prefix fo --sort-by=VALUE --order=DESCEND"), .run("get --prefix fo --sort-by=create --order=ascend -w fields"),
            .run("get foo --rev=2 -w json"), .run("get --prefix fo --print-value-only -w json"), .run("get --prefix --from-key a"),
            .run("get --consistency=s foo"), .run("get --consistency=x foo"), .run("get --sort-by=x foo"), .run("get --order=x foo"),
            .run("get --hex foo"), .run("get foo --hex -w fields"), .run("get foo --rev=100"), .run("get"), .run("get a b c --prefix"),
            .run("get --count-only foo"), .run("get foo -w table"), .run("get foo -w yaml"), .run("get --limit=abc foo"),
            .run("put été café"), .run("get été -w fields"), .run("get été -w json"), .run("get --hex été"),
            // del
            .run("del foo2 --prev-kv"), .run("del foo2"), .run("del --prefix fo -w json"), .run("del"), .run("del a b c"),
            .run("del --prefix a b"), .run("del --prefix --from-key a"), .run("del k -w fields"),
            // txn
            .run("put a 1"), .run("put b 2"),
            .run("txn", input: "mod(\"a\") > \"0\"\n\nput x y\nget a\ndel b\n\nget b\n\n"),
            .run("txn -w json", input: "value(\"a\") = \"1\"\n\nget --prefix a\nput c d --prev-kv\n\n\n"),
            .run("txn -w fields", input: "ver(\"a\") = \"1\"\nc(\"a\") != \"0\"\n\nget a\n\nput z z\n\n"),
            .run("txn -i", input: "mod(\"a\") > \"0\"\n\nput x y\n\n\n"),
            .run("txn", input: "bad\n\n\n\n"), .run("txn", input: "mod(a) > 0\n\n\n\n"),
            .run("txn", input: "foo(\"a\") > \"0\"\n\n\n\n"), .run("txn", input: "mod(\"a\") > \"x\"\n\n\n\n"),
            .run("txn", input: "\nget\n\n\n"), .run("txn", input: "\nbogus a\n\n\n"), .run("txn", input: "\nget a --foo\n\n\n"),
            .run("txn", input: "mod(\"a\") > \"0\"\n"), .run("txn"), .run("txn x"), .run("txn -w table", input: "\n\n\n"),
            .run("txn", input: "\nput \"q\\tq\" v\n\n\n"),
            // lease
            .run("lease grant 100"), .run("put lk lv --lease=$LEASE"), .run("lease timetolive $LEASE"),
            .run("lease timetolive $LEASE --keys"), .run("lease timetolive $LEASE --keys -w json"),
            .run("lease timetolive $LEASE -w fields --keys"), .run("lease list"), .run("lease list -w fields"),
            .run("lease keep-alive --once $LEASE"), .run("lease keep-alive --once $LEASE -w json"),
            .run("lease revoke $LEASE"), .run("lease timetolive $LEASE"), .run("lease revoke $LEASE"),
            .run("lease keep-alive --once $LEASE"), .run("lease grant abc"), .run("lease grant"), .run("lease revoke zz"),
            .run("lease grant 100"), .run("lease grant 100 -w json"), .run("lease grant 100 -w fields"), .run("lease list -w json"), .run("lease list -w table"),
            .run("lease"), .run("lease bogus"),
            // watch
            .background("watch a"), .background("watch --prefix b -w json"), .background("watch --prev-kv a -w fields"),
            .background("watch --rev=1 a"), .background("watch a -- sh -c echo_$ETCD_WATCH_KEY"), .background("watch b --prefix -- printenv ETCD_WATCH_VALUE"),
            .background("watch -i", input: "watch a\nbogus\n\nwatch b --prefix\nwatch\n"),
            .background("watch -i -w json", input: "watch a\nprogress\n"), .background("lease keep-alive $LEASE"),
            .run("put a 2"), .run("put b1 x"), .run("del a"), .run("put b2 y"), .collect,
            .run("watch"), .run("watch a b --prefix"), .run("watch --rev=1 a --"), .run("watch -i", input: "watch a\n"),
            .run("watch -i", input: "watch --bogus a\n"),
            // compaction
            .run("compaction 3"), .run("compaction 3"), .run("compaction abc"), .run("compaction"), .run("compaction 1000"),
            .run("get foo --rev=2"), .run("compaction --physical 4"),
            .background("watch --rev=2 a -w json"), .collect,
            // cluster and maintenance
            .run("member list"), .run("member list -w json"), .run("member list -w table"), .run("member list -w fields"),
            .run("member list -w protobuf"), .run("member add"), .run("member add x"), .run("member add x y http://a"),
            .run("member update zz --peer-urls=http://x:1"), .run("member update 12"), .run("member remove"),
            .run("member remove 12 -w json"), .run("member promote"), .run("member promote 12"), .run("member add x -w fields --peer-urls=h"), .run("endpoint status -w table"), .run("endpoint status"), .run("endpoint status -w json"),
            .run("endpoint health"), .run("endpoint health -w json"), .run("endpoint health -w table"), .run("endpoint health -w fields"),
            .run("endpoint hashkv"), .run("endpoint hashkv -w json"), .run("endpoint status -w fields"), .run("endpoint hashkv -w fields"),
            .run("endpoint hashkv -w table"), .run("endpoint status -w protobuf"),
            .run("alarm list"), .run("alarm disarm"), .run("alarm list -w json"), .run("alarm list extra"), .run("defrag"),
            .run("version"), .run("snapshot save"), .run("snapshot save /nonexistent/dir/x.db"),
            .run("snapshot save \(snapshotPath)"),
            .run("snapshot status"), .run("snapshot status /nonexistent/x.db"), .run("snapshot status a b"),
            .run("snapshot restore"), .run("snapshot restore x.db --name nosuch"), .run("snapshot restore x.db --bogus"),
            // lock and elect
            .run("lock"), .run("elect"), .run("elect e1"), .run("elect -l e1 p"), .run("elect e1 p q"), .run("lock --bogus x"),
            .run("lock lk3 -- printenv ETCD_LOCK_KEY"), .run("lock lk3 -- printenv ETCD_LOCK_REV"), .run("lock lk3 -- false"),
            .run("lock lk3 no-such-command-xyz"), .run("lock --ttl=30 lk4 -- printenv ETCD_LOCK_KEY"),
            .background("lock lk1"), .background("elect el1 p1"), .background("elect -l el1"), .background("elect -l el2"),
            .run("get lk1 --prefix --keys-only"), .run("get el1 --prefix"), .run("put el2/x first"), .collect,
            // make-mirror argument errors
            .run("make-mirror"), .run("make-mirror a b"), .run("make-mirror --bogus"),
            .bare("--endpoints=$EP make-mirror --dest-prefix x --no-dest-prefix $EP"),
            .run("get --bogus a"), .run("put --bogus a b"), .run("snapshot --bogus"),
            // check: argument errors only (a real check runs for a minute)
            .run("check perf --load x"), .run("check datascale --load zz"), .run("check perf --bogus"),
            // global flags and command lookup
            .run("--write-out=json get a"), .run("-wjson get a"), .run("-w=json get a"), .run("--hex=maybe get a"),
            .run("-w"), .run("bogus"), .run("gett a"), .run("ge a"), .run(""),
            .bare("--endpoints=127.0.0.1:1 --command-timeout=1s get foo"),
            .bare("--endpoints=127.0.0.1:1 --command-timeout=1s endpoint status"),
            .bare("--endpoints=127.0.0.1:1,$EP --command-timeout=1s endpoint health"),
            .bare("--endpoints=127.0.0.1:1,$EP --command-timeout=1s get a"),
        ]
        if includeClusterFlag {
            steps += [.run("endpoint status --cluster"), .run("endpoint health --cluster -w fields"), .run("defrag --cluster")]
        }
        return steps
    }
}
