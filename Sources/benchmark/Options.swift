import Glibc

/// Command-line flags in etcd benchmark's spelling: `--name=value` or `--name value`,
/// global flags accepted anywhere on the line.
struct Options {
    var command = ""
    var positional: [String] = []
    var endpoints = ["127.0.0.1:2379"]
    var clients = 1
    var conns = 1
    var json = false
    /// How long the tool waits to reach the endpoints before it gives up (etcd's --dial-timeout);
    /// a benchmark that cannot connect must fail, not hang.
    var dialTimeoutMilliseconds: UInt64 = 2000
    /// Full floating-point precision in the text summary (etcd's --precise).
    var precise = false
    var total = 10000
    /// nil: the command's own default (etcd's watch commands use 32, the others 8).
    var keySizeFlag: Int?
    var valSizeFlag: Int?
    var keySpaceSize = 1
    var sequentialKeys = false
    var rate = 0
    var consistency = "l"
    var txnOps = 1
    // txn-mixed
    var rwRatio = 1.0
    var endKey = ""
    // watch, watch-latency, watch-get
    var streams: Int?
    var watchPerStream = 100
    var watchPrefix = false
    var putTotal = 1000
    var putRate: Int?
    var watchers = 10000
    var events = 8
    // stm
    var stmKeys = 1
    var keysPerTxn = 1
    var txnWritePercent = 100
    var isolation = "r"
    var stmLocker = "stm"

    var keySize: Int { keySizeFlag ?? (command.hasPrefix("watch") ? 32 : 8) }
    var valSize: Int { valSizeFlag ?? (command == "watch-latency" ? 32 : 8) }

    /// Flags that take no value.
    static let booleanFlags: Set<String> = ["json", "sequential-keys", "prefix", "precise", "help", "h"]

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument.count > 1 else {
                if options.command.isEmpty { options.command = argument } else { options.positional.append(argument) }
                continue
            }
            var name = String(argument.drop(while: { $0 == "-" }))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if Options.booleanFlags.contains(name) {
                options.setBoolean(name, value.map { $0 != "false" } ?? true)
                continue
            }
            if value == nil {
                guard index < arguments.count else { usageError("flag needs an argument: --\(name)") }
                value = arguments[index]
                index += 1
            }
            options.set(name, value!)
        }
        return options
    }

    private mutating func setBoolean(_ name: String, _ on: Bool) {
        switch name {
        case "json": json = on
        case "sequential-keys": sequentialKeys = on
        case "prefix": watchPrefix = on
        case "precise": precise = on
        default: printUsage(); exit(0)
        }
    }

    private mutating func set(_ name: String, _ value: String) {
        switch name {
        case "endpoints":
            endpoints = value.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            guard !endpoints.isEmpty else { usageError("--endpoints needs at least one endpoint") }
        case "clients": clients = Options.positive(name, value)
        case "conns": conns = Options.positive(name, value)
        case "dial-timeout":
            guard let milliseconds = parseDuration(value), milliseconds > 0 else {
                usageError("invalid value \"\(value)\" for --dial-timeout (e.g. 2s, 500ms)")
            }
            dialTimeoutMilliseconds = milliseconds
        case "total": total = Options.positive(name, value)
        case "key-size": keySizeFlag = Options.positive(name, value)
        case "val-size": valSizeFlag = Options.nonNegative(name, value)
        case "key-space-size": keySpaceSize = Options.positive(name, value)
        case "rate": rate = Options.nonNegative(name, value)
        case "txn-ops": txnOps = Options.positive(name, value)
        case "rw-ratio":
            guard let ratio = Double(value), ratio > 0, ratio.isFinite else { usageError("invalid value \"\(value)\" for --rw-ratio") }
            rwRatio = ratio
        case "end-key": endKey = value
        case "streams": streams = Options.positive(name, value)
        case "watch-per-stream": watchPerStream = Options.positive(name, value)
        case "put-total": putTotal = Options.positive(name, value)
        case "put-rate": putRate = Options.nonNegative(name, value)
        case "watchers": watchers = Options.positive(name, value)
        case "events": events = Options.positive(name, value)
        case "keys": stmKeys = Options.positive(name, value)
        case "keys-per-txn": keysPerTxn = Options.positive(name, value)
        case "txn-wr-percent":
            let percent = Options.nonNegative(name, value)
            guard percent <= 100 else { usageError("--txn-wr-percent must be between 0 and 100") }
            txnWritePercent = percent
        case "isolation":
            guard ["c", "r", "s", "ss"].contains(value) else { usageError("unexpected isolation \"\(value)\" (c, r, s or ss)") }
            isolation = value
        case "stm-locker":
            guard value == "stm" else { usageError("unsupported --stm-locker \"\(value)\" (this benchmark implements stm only)") }
            stmLocker = value
        case "consistency":
            guard value == "l" || value == "s" else { usageError("consistency must be l or s") }
            consistency = value
        default: usageError("unknown flag: --\(name)")
        }
    }

    private static func positive(_ name: String, _ text: String) -> Int {
        guard let value = Int(text), value > 0 else { usageError("invalid value \"\(text)\" for --\(name)") }
        return value
    }

    private static func nonNegative(_ name: String, _ text: String) -> Int {
        guard let value = Int(text), value >= 0 else { usageError("invalid value \"\(text)\" for --\(name)") }
        return value
    }
}

func usageError(_ message: String) -> Never {
    writeStderr("Error: \(message)\n")
    printUsage()
    exit(1)
}

func printUsage() {
    writeStderr("""
    A low-level benchmark tool for etcd3 (Keel).

    Usage:
      benchmark put [flags]          --key-size --val-size --total --key-space-size --sequential-keys --rate
      benchmark range key [end]      --consistency l|s --total --rate
      benchmark txn-put [flags]      --key-size --val-size --total --key-space-size --txn-ops --rate
      benchmark txn-mixed key [--end-key]  --rw-ratio --key-size --val-size --total --key-space-size
                                     --consistency --rate (reads: txn with a range; writes: txn with a put)
      benchmark watch [flags]        --streams(10) --watch-per-stream(100) --put-total --put-rate(0)
                                     --key-size(32) --key-space-size --sequential-keys --prefix
      benchmark watch-latency        --put-total --put-rate(100) --key-size(32) --val-size(32);
                                     one watcher per --clients
      benchmark watch-get            --watchers(10000) --streams(1) --events(8)
      benchmark lease-keepalive      --total; each client grants a lease, then one keepalive per request
      benchmark stm                  --keys --keys-per-txn --txn-wr-percent --isolation c|r|s|ss
                                     --stm-locker stm --total --rate

    Global flags:
      --endpoints  comma-separated endpoints (default 127.0.0.1:2379)
      --clients    concurrent clients, each with one request in flight (default 1)
      --conns      gRPC connections the clients share (default 1)
      --dial-timeout  how long to wait for the endpoints before failing (default 2s)
      --json       print the summary as one JSON object
      --precise    full floating-point precision in the summary

    """)
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// A Go-style duration ("2s", "500ms", "1m", "1.5s") or bare seconds, in milliseconds.
func parseDuration(_ text: String) -> UInt64? {
    let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
    var number = Substring(text)
    var scale = 1000.0
    for unit in units where text.hasSuffix(unit.suffix) {
        number = text.dropLast(unit.suffix.count)
        scale = unit.milliseconds
        break
    }
    guard let value = Double(number), value.isFinite, value >= 0, value * scale < 1e12 else { return nil }
    return UInt64((value * scale).rounded())
}

/// Writes text to standard error (unbuffered, so progress redraws show at once).
func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
