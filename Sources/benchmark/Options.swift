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
    var total = 10000
    var keySize = 8
    var valSize = 8
    var keySpaceSize = 1
    var sequentialKeys = false
    var rate = 0
    var consistency = "l"
    var txnOps = 1

    /// Flags that take no value.
    static let booleanFlags: Set<String> = ["json", "sequential-keys", "help", "h"]

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
        default: printUsage(); exit(0)
        }
    }

    private mutating func set(_ name: String, _ value: String) {
        switch name {
        case "endpoints": endpoints = value.split(separator: ",").map(String.init)
        case "clients": clients = Options.positive(name, value)
        case "conns": conns = Options.positive(name, value)
        case "total": total = Options.positive(name, value)
        case "key-size": keySize = Options.positive(name, value)
        case "val-size": valSize = Options.nonNegative(name, value)
        case "key-space-size": keySpaceSize = Options.positive(name, value)
        case "rate": rate = Options.nonNegative(name, value)
        case "txn-ops": txnOps = Options.positive(name, value)
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

    Global flags:
      --endpoints  comma-separated endpoints (default 127.0.0.1:2379)
      --clients    concurrent clients, each with one request in flight (default 1)
      --conns      gRPC connections the clients share (default 1)
      --json       print the summary as one JSON object

    """)
}

/// Writes text to standard error (unbuffered, so progress redraws show at once).
func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
