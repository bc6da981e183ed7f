/// What the proxy does to the bytes on one directed peer link (source member → destination
/// member). Keel's peer connections carry Raft messages one way only (the dialler sends, the
/// acceptor only ever answers a rejection), so a connection's direction is the link's.
struct LinkFault: Equatable, Sendable, CustomStringConvertible {
    /// Bytes are swallowed; the connection stays open (the sender believes it is sending).
    /// On heal the connection is reset, since the stream lost bytes mid-frame.
    var blackhole = false
    var delayMilliseconds: UInt64 = 0
    var jitterMilliseconds: UInt64 = 0
    /// Probability that a chunk of bytes resets its connection instead of being forwarded
    /// (a byte stream cannot lose single packets; a lost message means a lost connection).
    var dropRate = 0.0

    static let none = LinkFault()

    var description: String {
        var parts: [String] = []
        if blackhole { parts.append("blackhole") }
        if delayMilliseconds > 0 { parts.append("delay \(delayMilliseconds)±\(jitterMilliseconds)ms") }
        if dropRate > 0 { parts.append("drop \(Int(dropRate * 100))%") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

/// A directed link between members, by index.
struct Link: Hashable, Sendable, CustomStringConvertible {
    var from: Int
    var to: Int

    var description: String { "m\(from + 1)->m\(to + 1)" }
}
