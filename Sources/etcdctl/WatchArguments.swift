import EtcdClient
import Glibc
/// parseWatchArgs from watch_command.go: splits the key/range words from the command to run
/// after `--`, honouring ETCDCTL_WATCH_KEY/RANGE_END, with etcdctl's errors.
struct WatchArguments {
    var watchArgs: [String]
    var execArgs: [String]

    /// The flag values a watch line sets (interactive lines parse their own).
    struct Options {
        var prefix = false
        var revision: Int64 = 0
        var prevKV = false
    }

    static let badArgsNum = "bad number of arguments"
    static let conflictEnv = "bad number of arguments (found conflicting environment key)"
    static let separator = "bad number of arguments (found separator --, but no commands)"
    static let interactiveWatch = "args[0] must be 'watch' for interactive calls"

    static func watchFlags() -> [Flag] {
        [
            Flag("interactive", shorthand: "i", kind: .bool, defaultValue: "false", usage: "Interactive mode"),
            Flag("prefix", kind: .bool, defaultValue: "false", usage: "Watch on a prefix if prefix is set"),
            Flag("rev", kind: .int64, defaultValue: "0", usage: "Revision to start watching"),
            Flag("prev-kv", kind: .bool, defaultValue: "false", usage: "get the previous key-value pair before the event happens"),
        ]
    }

    /// Non-interactive: `osArgs` are the process arguments, `commandArgs` cobra's positionals.
    static func parse(osArgs: [String], commandArgs: [String], envKey: String, envRange: String) -> Result<WatchArguments, TxnCommand.InputError> {
        var raw = osArgs
        if let index = raw.firstIndex(of: "watch") { raw = Array(raw[(index + 1)...]) }
        var watchArgs = commandArgs
        let execIndex = raw.firstIndex(of: "--")
        if let execIndex, execIndex == raw.count - 1 { return .failure(.init(message: separator)) }
        if execIndex == nil && raw.isEmpty && envKey.isEmpty { return .failure(.init(message: badArgsNum)) }
        if let execIndex, !envKey.isEmpty {
            var rawIndex = raw.count - 1
            for watchIndex in stride(from: watchArgs.count - 1, through: 0, by: -1) {
                if rawIndex >= 0 && watchArgs[watchIndex] == raw[rawIndex] {
                    rawIndex -= 1
                    continue
                }
                if rawIndex == execIndex { return .failure(.init(message: conflictEnv)) }
            }
        }
        if execIndex == nil && !watchArgs.isEmpty && !envKey.isEmpty { return .failure(.init(message: conflictEnv)) }
        var execArgs: [String] = []
        if let execIndex { execArgs = Array(raw[(execIndex + 1)...]) }
        if !envKey.isEmpty { watchArgs = [envKey] + (envRange.isEmpty ? [] : [envRange]) + watchArgs }
        if let first = execArgs.first {
            var end = watchArgs.count - 1
            while end >= 0 && watchArgs[end] != first { end -= 1 }
            watchArgs = Array(watchArgs[..<max(end, 0)])
        }
        return .success(WatchArguments(watchArgs: watchArgs, execArgs: execArgs))
    }

    /// Interactive: `words` is one argified line starting with "watch".
    static func parseInteractive(_ words: [String], envKey: String, envRange: String) -> Result<(WatchArguments, Options), TxnCommand.InputError> {
        guard words.first == "watch" else { return .failure(.init(message: interactiveWatch)) }
        let watchArgs = Array(words.dropFirst())
        let execIndex = watchArgs.firstIndex(of: "--")
        if let execIndex, execIndex == watchArgs.count - 1 { return .failure(.init(message: separator)) }
        let flags = watchFlags()
        let parser = FlagParser(flags: flags)
        let positional: [String]
        switch parser.parse(watchArgs) {
        case .failure(let failure): return .failure(.init(message: failure.message))
        case .success(let args): positional = args
        }
        if execIndex == nil && envKey.isEmpty && positional.isEmpty { return .failure(.init(message: badArgsNum)) }
        if execIndex == nil && !positional.isEmpty && !envKey.isEmpty { return .failure(.init(message: conflictEnv)) }
        var execArgs: [String] = []
        if let execIndex { execArgs = Array(watchArgs[(execIndex + 1)...]) }
        var keys = positional
        if !envKey.isEmpty { keys = [envKey] + (envRange.isEmpty ? [] : [envRange]) + keys }
        if let first = execArgs.first {
            var end = keys.count - 1
            while end >= 0 && keys[end] != first { end -= 1 }
            keys = Array(keys[..<max(end, 0)])
        }
        let options = Options(prefix: parser.lookup("prefix")!.boolValue, revision: parser.lookup("rev")!.int64Value,
                              prevKV: parser.lookup("prev-kv")!.boolValue)
        return .success((WatchArguments(watchArgs: keys, execArgs: execArgs), options))
    }
}
