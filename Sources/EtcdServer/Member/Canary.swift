import Foundation

/// Known bugs that can be switched back on, so the chaos checkers can show they catch them.
/// Set `KEEL_CANARY=linearizableReadWithoutReadIndex` (several names separated by commas).
/// Never set in production: every canary breaks a guarantee on purpose.
public enum Canary: String, CaseIterable, Sendable {
    /// Serve linearizable reads from the local state without a ReadIndex round: a lagging
    /// follower or a deposed leader answers stale data (etcd #741, Jepsen 2014).
    case linearizableReadWithoutReadIndex

    static let armed: Set<Canary> = parse(ProcessInfo.processInfo.environment["KEEL_CANARY"] ?? "")

    static func parse(_ spec: String) -> Set<Canary> {
        Set(spec.split(separator: ",").compactMap { Canary(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
    }

    public var isArmed: Bool { Canary.armed.contains(self) }
}
