import Foundation
import Glibc

/// `chaos list` | `chaos run (--scenario NAME | --all | --smoke) [--seed N] [--runs K] [--etcd PATH]
/// [--results DIR] [--keep] [--env K=V]...`
struct CommandLineOptions {
    enum Command { case list, run, canaries, help }
    var command: Command = .help
    var scenario: String?
    var all = false
    var smoke = false
    var seed: UInt64 = 1
    var runs = 1
    var etcd: String?
    var results = "chaos-results"
    var keep = false
    var environment: [String: String] = [:]
    /// `run --expect-fail`: succeed only if every run fails a check (a canary's quick CI check).
    var expectFail = false
    /// `canaries --canary NAME`: only that canary.
    var canary: String?

    static let usage = """
    usage: chaos list
           chaos run --scenario NAME [--seed N] [--runs K] [options]
           chaos run --all [--seed N] [options]      every scenario of the matrix
           chaos run --smoke [--seed N] [options]    the short smoke scenarios (CI)
           chaos canaries [--runs K] [--seed N] [--canary NAME] [options]
                                                     each KEEL_CANARY bug on its scenario, up to K seeds;
                                                     exits 1 if a canary survives
    options: --etcd PATH (default: etcd next to this binary), --results DIR (default chaos-results),
             --keep (keep data dirs of passing runs), --env KEY=VALUE (for the members, e.g. a canary)
             --expect-fail (run: exit 0 only if every run fails a check)
    --runs K runs seeds N, N+1, ... N+K-1.
    """

    static func parse(_ args: [String]) throws -> CommandLineOptions {
        var o = CommandLineOptions()
        var rest = args[...]
        guard let verb = rest.popFirst() else { return o }
        switch verb {
        case "list": o.command = .list
        case "run": o.command = .run
        case "canaries":
            o.command = .canaries
            o.runs = 10
        case "help", "-h", "--help": return o
        default: throw ChaosError("unknown command \"\(verb)\"")
        }
        func value(_ flag: String) throws -> String {
            guard let v = rest.popFirst() else { throw ChaosError("\(flag) needs a value") }
            return v
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--scenario": o.scenario = try value(flag)
            case "--all": o.all = true
            case "--smoke": o.smoke = true
            case "--seed":
                let v = try value(flag)
                guard let n = UInt64(v) else { throw ChaosError("--seed: not a number: \(v)") }
                o.seed = n
            case "--runs":
                let v = try value(flag)
                guard let n = Int(v), (1...1000).contains(n) else { throw ChaosError("--runs: expected 1...1000, got \(v)") }
                o.runs = n
            case "--etcd": o.etcd = try value(flag)
            case "--results": o.results = try value(flag)
            case "--keep": o.keep = true
            case "--expect-fail": o.expectFail = true
            case "--canary":
                let v = try value(flag)
                guard CanaryCase.named(v) != nil else {
                    throw ChaosError("unknown canary \"\(v)\" (known: \(CanaryCase.all.map(\.name).joined(separator: ", ")))")
                }
                o.canary = v
            case "--env":
                let v = try value(flag)
                guard let eq = v.firstIndex(of: "="), eq != v.startIndex else { throw ChaosError("--env: expected KEY=VALUE, got \(v)") }
                o.environment[String(v[..<eq])] = String(v[v.index(after: eq)...])
            default: throw ChaosError("unknown flag \(flag)")
            }
        }
        if o.command == .run {
            let chosen = [o.scenario != nil, o.all, o.smoke].filter { $0 }.count
            guard chosen == 1 else { throw ChaosError("run needs exactly one of --scenario NAME, --all, --smoke") }
            if let name = o.scenario, Scenario.named(name) == nil {
                throw ChaosError("unknown scenario \"\(name)\" (see chaos list)")
            }
        }
        return o
    }

    /// The etcd binary: --etcd, else `etcd` next to this executable.
    func etcdBinary() throws -> String {
        let path: String
        if let etcd { path = etcd } else {
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            path = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("etcd").path
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ChaosError("no etcd executable at \(path) (build it with `swift build --product etcd`, or pass --etcd)")
        }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
