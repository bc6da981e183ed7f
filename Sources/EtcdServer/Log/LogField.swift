/// A key and value of a structured log line, for fields built at run time (a literal
/// `["key": .string(v)]` at the call site is the usual way).
public struct LogField: Sendable, Equatable {
    public var key: String
    public var value: LogValue

    public init(_ key: String, _ value: LogValue) {
        self.key = key
        self.value = value
    }
}
