/// The command line parsed as Go's `flag` package parses it: `-flag`, `--flag`, `-flag=value`,
/// `-flag value` (not for booleans, which take `-flag=false`), `--` ends the flags, the first
/// non-flag argument ends them too. Values are stored into the configuration as they are met,
/// so a flag given twice keeps its last value.
struct FlagParser {
    /// The flags given, in order (a name appears once).
    private(set) var setFlags: [String] = []
    /// Arguments after the flags.
    private(set) var remaining: [String] = []
    private(set) var helpRequested = false
    private(set) var versionRequested = false
    private(set) var notes: [ConfigNote] = []

    /// Parses `arguments` into `config`. A thrown failure is of kind `.usage`.
    mutating func parse(_ arguments: [String], into config: inout EtcdConfig, flags: [EtcdFlag]) throws(ConfigFailure) {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            guard arg.count >= 2, arg.hasPrefix("-") else { break }
            var body = arg.dropFirst()
            if body.hasPrefix("-") {
                body = body.dropFirst()
                if body.isEmpty { i += 1; break }  // "--" terminates the flags
            }
            if body.hasPrefix("-") || body.hasPrefix("=") {
                throw ConfigFailure(.usage, "bad flag syntax: \(arg)")
            }
            var name = String(body)
            var value: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            }
            i += 1
            guard let flag = flags.first(where: { $0.name == name }) else {
                if name == "help" || name == "h" {
                    helpRequested = true
                    return
                }
                throw ConfigFailure(.usage, "flag provided but not defined: -\(name)")
            }
            switch flag.kind {
            case .boolean, .ignored:
                let text = value ?? "true"
                do {
                    try flag.set(&config, text)
                } catch {
                    throw ConfigFailure(.usage, "invalid boolean value \(goQuote(text)) for -\(name): \(error.message)")
                }
                if flag.kind == .ignored {
                    notes.append(ConfigNote(.warn, "flag \"-\(name)\" is no longer supported - ignoring."))
                }
                if name == "version" { versionRequested = GoValues.bool(text) ?? false }
            case .value:
                if value == nil, i < arguments.count {
                    value = arguments[i]
                    i += 1
                }
                guard let value else { throw ConfigFailure(.usage, "flag needs an argument: -\(name)") }
                do {
                    try flag.set(&config, value)
                } catch {
                    throw ConfigFailure(.usage, "invalid value \(goQuote(value)) for flag -\(name): \(error.message)")
                }
            }
            if !setFlags.contains(name) { setFlags.append(name) }
        }
        remaining = Array(arguments[i...])
    }
}

/// Go's `%q` for the plain strings that appear on command lines.
func goQuote(_ s: String) -> String {
    var out = ""
    JSONText.appendQuoted(s, to: &out)
    return out
}
