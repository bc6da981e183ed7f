import EtcdClient
/// One etcdctl command in cobra's shape: a name, usage texts, flags, children, and a body.
final class Command {
    let use: String
    let short: String
    let long: String
    var localFlags: [Flag] = []
    /// Flags this command passes down to its children (cobra's persistent flags).
    var persistentFlags: [Flag] = []
    private(set) var children: [Command] = []
    weak var parent: Command?
    var run: ((Invocation) -> Void)?

    init(use: String, short: String, long: String = "", run: ((Invocation) -> Void)? = nil) {
        self.use = use
        self.short = short
        self.long = long
        self.run = run
    }

    var name: String { String(use.prefix { $0 != " " }) }

    func add(_ commands: Command...) {
        for command in commands {
            command.parent = self
            children.append(command)
        }
    }

    /// Children sorted by name, as cobra lists them.
    var sortedChildren: [Command] { children.sorted { $0.name < $1.name } }

    var root: Command { parent?.root ?? self }

    var path: String { parent.map { "\($0.path) \(name)" } ?? name }

    var isRunnable: Bool { run != nil }

    /// Flags from ancestors' persistent sets (nearest first wins on a name clash).
    var inheritedFlags: [Flag] {
        var result: [Flag] = []
        var ancestor = parent
        while let current = ancestor {
            for flag in current.persistentFlags where !result.contains(where: { $0.name == flag.name }) {
                result.append(flag)
            }
            ancestor = current.parent
        }
        return result
    }

    /// Everything this command parses: its own flags, then inherited ones.
    var allFlags: [Flag] { localFlags + persistentFlags + inheritedFlags }

    /// cobra's per-command `-h, --help`.
    lazy var helpFlag = Flag("help", shorthand: "h", kind: .bool, defaultValue: "false", usage: "help for \(name)")

    func addHelpFlagRecursively() {
        localFlags.append(helpFlag)
        for child in children { child.addHelpFlagRecursively() }
    }

    func flag(_ name: String) -> Flag {
        guard let found = allFlags.first(where: { $0.name == name }) else {
            preconditionFailure("etcdctl: command \(path) has no flag --\(name)")
        }
        return found
    }
}

/// A command being run: its positional arguments and flags.
struct Invocation {
    let command: Command
    let arguments: [String]
    /// All of the process's arguments after the program name (watch reads them raw).
    let rawArguments: [String]

    func flag(_ name: String) -> Flag { command.flag(name) }
    func bool(_ name: String) -> Bool { flag(name).boolValue }
    func string(_ name: String) -> String { flag(name).value }
    func int64(_ name: String) -> Int64 { flag(name).int64Value }
}
