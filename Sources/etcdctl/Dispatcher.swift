import EtcdClient
/// cobra's Execute for etcdctl: find the command from the non-flag words (unique prefixes
/// match), parse its flags, then show help, report the error, or run it.
import Glibc

enum Dispatcher {
    static func execute(root: Command, arguments: [String]) -> Never {
        let (command, remaining) = find(root, arguments)
        if command === root, let word = stripFlags(remaining, command).first {
            Output.err("Error: unknown command \(GoFormat.quote(word)) for \(GoFormat.quote(root.name))\(suggestions(root, word))\n")
            Output.err("Run '\(root.name) --help' for usage.\n")
            exitWithError(ExitCode.error, "unknown command \(GoFormat.quote(word)) for \(GoFormat.quote(root.name))\(suggestions(root, word))")
        }
        let parser = FlagParser(flags: command.allFlags)
        switch parser.parse(remaining) {
        case .failure(let failure):
            if failure.isHelp { Usage.print(command); exit(0) }
            Output.err("Error: \(failure.message)\n")
            Usage.print(command)
            Output.err("\n")
            exitWithError(ExitCode.error, failure.message)
        case .success(let positional):
            if command.helpFlag.boolValue || !command.isRunnable {
                Usage.print(command)
                exit(0)
            }
            command.run?(Invocation(command: command, arguments: positional, rawArguments: arguments))
            exit(0)
        }
    }

    /// Walks down the tree by the first non-flag word, removing it from the arguments.
    static func find(_ start: Command, _ arguments: [String]) -> (Command, [String]) {
        var command = start
        var remaining = arguments
        while let word = stripFlags(remaining, command).first, let next = child(of: command, named: word) {
            if let index = remaining.firstIndex(of: word) { remaining.remove(at: index) }
            command = next
        }
        return (command, remaining)
    }

    static func child(of command: Command, named word: String) -> Command? {
        if let exact = command.children.first(where: { $0.name == word }) { return exact }
        let matches = command.children.filter { $0.name.hasPrefix(word) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// cobra's stripFlags: the words that are not flags or values of flags.
    static func stripFlags(_ arguments: [String], _ command: Command) -> [String] {
        let flags = command.allFlags
        var words: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" { break }
            if argument.hasPrefix("--") && !argument.contains("=") {
                let name = String(argument.dropFirst(2))
                if !(flags.first { $0.name == name }?.isBool ?? (name == "help")) {
                    if rest.count <= 1 { break }
                    rest = rest.dropFirst()
                }
            } else if argument.hasPrefix("-") && !argument.contains("=") && argument.count == 2 {
                let short = argument.last!
                if !(flags.first { $0.shorthand == short }?.isBool ?? (short == "h")) {
                    if rest.count <= 1 { break }
                    rest = rest.dropFirst()
                }
            } else if !argument.isEmpty && !argument.hasPrefix("-") {
                words.append(argument)
            }
        }
        return words
    }

    /// cobra's "Did you mean this?" (Levenshtein distance ≤ 2, or a prefix).
    static func suggestions(_ command: Command, _ typed: String) -> String {
        let names = command.sortedChildren.map(\.name).filter { name in
            levenshtein(typed.lowercased(), name.lowercased()) <= 2 || name.lowercased().hasPrefix(typed.lowercased())
        }
        guard !names.isEmpty else { return "" }
        return "\n\nDid you mean this?\n" + names.map { "\t\($0)\n" }.joined()
    }

    static func levenshtein(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
