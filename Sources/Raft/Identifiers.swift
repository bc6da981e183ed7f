// Wrapper types for the numbers that are easy to mix up in Raft: who (NodeID), when (Term),
// and where in the log (LogIndex). All three are plain UInt64 on the wire.

/// A member's identity. `NodeID.none` (0) means "nobody" (no leader known, no vote cast).
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public static let none = NodeID(0)
    public var isNone: Bool { rawValue == 0 }
    public static func < (l: NodeID, r: NodeID) -> Bool { l.rawValue < r.rawValue }
    public var description: String { String(rawValue) }
}

/// A Raft term: a logical clock that only moves forward.
public struct Term: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public static func < (l: Term, r: Term) -> Bool { l.rawValue < r.rawValue }
    public static func + (l: Term, r: UInt64) -> Term { Term(l.rawValue + r) }
    public var description: String { String(rawValue) }
}

/// A position in the replicated log. Index 0 is the (virtual) empty prefix.
public struct LogIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, Strideable
{
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public static func < (l: LogIndex, r: LogIndex) -> Bool { l.rawValue < r.rawValue }
    public static func + (l: LogIndex, r: UInt64) -> LogIndex { LogIndex(l.rawValue + r) }
    public static func - (l: LogIndex, r: UInt64) -> LogIndex {
        precondition(l.rawValue >= r, "log index underflow: \(l) - \(r)")
        return LogIndex(l.rawValue - r)
    }
    public static func += (l: inout LogIndex, r: UInt64) { l = l + r }
    public static func -= (l: inout LogIndex, r: UInt64) { l = l - r }
    /// Number of indexes from `self` up to `other` (other - self); negative when other < self.
    public func distance(to other: LogIndex) -> Int64 { Int64(bitPattern: other.rawValue &- rawValue) }
    public func advanced(by n: Int64) -> LogIndex { LogIndex(UInt64(bitPattern: Int64(bitPattern: rawValue) &+ n)) }
    public static let max = LogIndex(UInt64.max)
    public var description: String { String(rawValue) }
}
