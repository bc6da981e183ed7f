import EtcdClient
import Glibc
/// A command-line flag with pflag's parsing and error wording (etcdctl uses cobra/pflag).
final class Flag {
    enum Kind { case bool, string, int64, duration, stringSlice }

    let name: String
    let shorthand: Character?
    let kind: Kind
    let usage: String
    /// The default, as pflag prints it in usage ("5s", "[127.0.0.1:2379]", "false").
    let defaultText: String
    var value: String
    var sliceValue: [String]
    var changed = false

    init(_ name: String, shorthand: Character? = nil, kind: Kind, defaultValue: String, usage: String) {
        self.name = name
        self.shorthand = shorthand
        self.kind = kind
        self.usage = usage
        value = defaultValue
        sliceValue = kind == .stringSlice ? defaultValue.split(separator: ",").map(String.init) : []
        defaultText = kind == .stringSlice ? "[\(defaultValue)]" : defaultValue
    }

    var isBool: Bool { kind == .bool }

    /// Sets the value from text, as pflag's `Value.Set`; the error text is pflag's.
    func set(_ text: String) throws(FlagError) {
        switch kind {
        case .bool:
            guard let parsed = GoParse.bool(text) else {
                throw FlagError.invalidValue("strconv.ParseBool: parsing \(GoFormat.quote(text)): invalid syntax")
            }
            value = parsed ? "true" : "false"
        case .string:
            value = text
        case .int64:
            if let error = GoParse.int64Error(text, base: 10) { throw FlagError.invalidValue(error) }
            value = text
        case .duration:
            guard GoParse.durationMilliseconds(text) != nil else {
                throw FlagError.invalidValue("time: invalid duration \(GoFormat.quote(text))")
            }
            value = text
        case .stringSlice:
            let parts = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            sliceValue = changed ? sliceValue + parts : parts
            value = text
        }
        changed = true
    }

    var boolValue: Bool { value == "true" }
    var int64Value: Int64 { Int64(value) ?? 0 }
    var durationMilliseconds: UInt64 { GoParse.durationMilliseconds(value) ?? 0 }
}

enum FlagError: Error {
    case invalidValue(String)
}

/// Parses flags interspersed with arguments, as pflag does for cobra commands.
struct FlagParser {
    let flags: [Flag]

    func lookup(_ name: String) -> Flag? { flags.first { $0.name == name } }
    func lookup(short: Character) -> Flag? { flags.first { $0.shorthand == short } }

    /// Returns the positional arguments, or pflag's error message.
    func parse(_ arguments: [String]) -> Result<[String], ParseFailure> {
        var positional: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                positional.append(contentsOf: rest)
                return .success(positional)
            }
            if argument.hasPrefix("--") {
                if let failure = parseLong(String(argument.dropFirst(2)), &rest) { return .failure(failure) }
            } else if argument.hasPrefix("-") && argument.count > 1 {
                if let failure = parseShort(String(argument.dropFirst()), &rest) { return .failure(failure) }
            } else {
                positional.append(argument)
            }
        }
        return .success(positional)
    }

    struct ParseFailure: Error {
        let message: String
        /// `--help`/`-h` was given: cobra shows the help instead of an error.
        var isHelp = false
    }

    private func parseLong(_ body: String, _ rest: inout ArraySlice<String>) -> ParseFailure? {
        let name: String
        var inlineValue: String?
        if let equals = body.firstIndex(of: "=") {
            name = String(body[..<equals])
            inlineValue = String(body[body.index(after: equals)...])
        } else {
            name = body
        }
        if name.isEmpty || name.hasPrefix("-") || name.hasPrefix("=") {
            return ParseFailure(message: "bad flag syntax: --\(body)")
        }
        guard let flag = lookup(name) else {
            if name == "help" { return ParseFailure(message: "", isHelp: true) }
            return ParseFailure(message: "unknown flag: --\(name)")
        }
        let text: String
        if let inlineValue { text = inlineValue } else if flag.isBool { text = "true" } else if let next = rest.popFirst() {
            text = next
        } else {
            return ParseFailure(message: "flag needs an argument: --\(name)")
        }
        return set(flag, text, spelled: "--\(flag.name)")
    }

    private func parseShort(_ body: String, _ rest: inout ArraySlice<String>) -> ParseFailure? {
        var shorthands = Substring(body)
        while let short = shorthands.first {
            shorthands = shorthands.dropFirst()
            guard let flag = lookup(short: short) else {
                if short == "h" { return ParseFailure(message: "", isHelp: true) }
                return ParseFailure(message: "unknown shorthand flag: '\(short)' in -\(body)")
            }
            let text: String
            if shorthands.first == "=" {
                text = String(shorthands.dropFirst())
                shorthands = ""
            } else if flag.isBool {
                text = "true"
            } else if !shorthands.isEmpty {
                text = String(shorthands)
                shorthands = ""
            } else if let next = rest.popFirst() {
                text = next
            } else {
                return ParseFailure(message: "flag needs an argument: '\(short)' in -\(short)")
            }
            if let failure = set(flag, text, spelled: "-\(short), --\(flag.name)") { return failure }
        }
        return nil
    }

    private func set(_ flag: Flag, _ text: String, spelled: String) -> ParseFailure? {
        do { try flag.set(text) } catch {
            guard case .invalidValue(let reason) = error else { return nil }
            return ParseFailure(message: "invalid argument \(GoFormat.quote(text)) for \(GoFormat.quote(spelled)) flag: \(reason)")
        }
        return nil
    }
}
