import EtcdClient
/// cobra's built-in usage template and pflag's FlagUsages, which etcdctl shows (on stderr)
/// only where it runs a command tree without its own usage function: the ops inside `txn`.
enum CobraDefaultUsage {
    static func text(_ command: Command) -> String {
        var text = "Usage:\n  \(Usage.useLine(command))\n"
        let local = command.localFlags + command.persistentFlags
        if !local.isEmpty { text += "\nFlags:\n" + flagUsages(local) }
        return text
    }

    /// pflag's FlagUsages: names, type, aligned usage, and the default when not zero.
    static func flagUsages(_ flags: [Flag]) -> String {
        var lines: [(String, String)] = []
        var width = 0
        for flag in flags.sorted(by: { $0.name < $1.name }) {
            var line = flag.shorthand.map { "  -\($0), --\(flag.name)" } ?? "      --\(flag.name)"
            let typeName: String
            switch flag.kind {
            case .bool: typeName = ""
            case .string: typeName = "string"
            case .int64: typeName = "int"
            case .duration: typeName = "duration"
            case .stringSlice: typeName = "strings"
            }
            if !typeName.isEmpty { line += " " + typeName }
            width = max(width, line.count + 1)
            var usage = flag.usage
            if !isZero(flag) {
                usage += flag.kind == .string ? " (default \(GoFormat.quote(flag.defaultText)))" : " (default \(flag.defaultText))"
            }
            lines.append((line, usage))
        }
        return lines.map { line, usage in
            line + " " + String(repeating: " ", count: width - line.count) + " " + usage + "\n"
        }.joined()
    }

    static func isZero(_ flag: Flag) -> Bool {
        switch flag.kind {
        case .bool: flag.defaultText == "false"
        case .string: flag.defaultText.isEmpty
        case .int64: flag.defaultText == "0"
        case .duration: flag.defaultText == "0s"
        case .stringSlice: flag.defaultText == "[]"
        }
    }
}
