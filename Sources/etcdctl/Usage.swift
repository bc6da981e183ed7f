import EtcdClient
import Glibc
/// etcdctl's help text (ctlv3/help.go's template), written to stdout through the tab writer.
enum Usage {
    static let version = "3.4.23"
    /// Keel's own release, printed by `version` after the etcd version it is compatible with.
    static let keelVersion = "0.1.0"
    static let apiVersion = "3.4"

    static func print(_ command: Command) {
        Output.out(TabWriter.format(text(command)))
    }

    static func text(_ command: Command) -> String {
        var text = "NAME:\n"
        let displayName = command.parent == nil ? command.name : names(command, upTo: command.root)
        text += "\t\(displayName) - \(command.short)\n"
        text += "\nUSAGE:\n\t\(useLine(command))\n"
        if command.parent == nil { text += "\nVERSION:\n\t\(version)\n" }
        if !command.children.isEmpty {
            text += "\nAPI VERSION:\n\t\(apiVersion)\n"
            text += "\n\nCOMMANDS:\n"
            for sub in descendants(command) where sub.isRunnable {
                text += "\t\(names(sub, upTo: command))\t\(sub.short)\n"
            }
        }
        if !command.long.isEmpty {
            text += "\nDESCRIPTION:\n"
            let trimmed = command.long.trimmingCharacters(in: "\n\t ")
            for line in trimmed.split(separator: "\n", omittingEmptySubsequences: false) { text += "\t\(line)\n" }
        }
        let local = command.localFlags + command.persistentFlags
        if !local.isEmpty { text += "\nOPTIONS:\n" + flagUsages(local) }
        let inherited = command.inheritedFlags
        if !inherited.isEmpty { text += "\nGLOBAL OPTIONS:\n" + flagUsages(inherited) }
        return text + "\n"
    }

    static func useLine(_ command: Command) -> String {
        let line = command.parent.map { "\($0.path) \(command.use)" } ?? command.use
        return line.contains("[flags]") ? line : line + " [flags]"
    }

    static func names(_ command: Command, upTo top: Command) -> String {
        var parts = [command.name]
        var current = command
        while let parent = current.parent, parent !== top {
            parts.insert(parent.name, at: 0)
            current = parent
        }
        return parts.joined(separator: " ")
    }

    static func descendants(_ command: Command) -> [Command] {
        command.sortedChildren.flatMap { [$0] + descendants($0) }
    }

    static func flagUsages(_ flags: [Flag]) -> String {
        flags.sorted { $0.name < $1.name }.map { flag in
            var line = flag.shorthand.map { "  -\($0), --\(flag.name)" } ?? "      --\(flag.name)"
            let value = flag.kind == .string ? GoFormat.quote(flag.defaultText) : flag.defaultText
            line += flag.isBool ? "[=\(value)]" : "=\(value)"
            return line + "\t\(flag.usage)\n"
        }.joined()
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.contains(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
