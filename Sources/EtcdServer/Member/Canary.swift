import Foundation

/// Known bugs that can be switched back on, so the chaos checkers can show they catch them.
/// Set `KEEL_CANARY=linearizableReadWithoutReadIndex` (several names separated by commas).
/// Never set in production: every canary breaks a guarantee on purpose.
public enum Canary: String, CaseIterable, Sendable {
    /// Serve linearizable reads from the local state without a ReadIndex round: a lagging
    /// follower or a deposed leader answers stale data (etcd #741, Jepsen 2014).
    case linearizableReadWithoutReadIndex
    /// Treat a Ready as persisted at once (entries count toward the commit, get applied and
    /// acknowledged) while its WAL records are written and fsynced 200 ms later, as an fsync
    /// still in flight. A single member killed in that window forgets writes its clients were
    /// told succeeded (etcd #14370).
    case ackBeforeFsync
    /// Write a Ready's WAL records at once but fdatasync them 200 ms later, counting the Ready
    /// as persisted after the write(2): the page cache holds acknowledged writes. A kill -9
    /// keeps the page cache, so only a crash that loses unsynced writes
    /// (`KEEL_DISK_FAULTS=lostUnsynced`) shows the bug (etcd #14370 as a power loss sees it).
    case ackAfterWriteBeforeFsync
    /// A watch created from a start revision after 1 (a client resuming after a reconnect)
    /// starts one revision early, so the last event the client already had comes again: the
    /// duplicate watch event of etcd #15271 / #17247.
    case watchResendAfterReconnect
    /// Answer a progress request at once with the current revision, even while a watcher of the
    /// stream is still catching up: the client hears "all sent up to R" before older events
    /// (etcd #15220).
    case progressNotifyAheadOfEvents
    /// A leader that lost leadership keeps its lessor primary, with the expiry times it had,
    /// and keeps proposing revokes for leases it thinks expired (forwarded to the new leader,
    /// which kept them alive): etcd #12528 / #15247.
    case deposedLeaderRevokesLeases
    /// A watcher caught up from MVCC history starting exactly at the compaction revision skips
    /// that revision's events, as etcd lost the delete at the compaction revision (#18089).
    case dropEventAtCompaction
    /// Lock answers success once the older waiters are gone without checking that its own key
    /// (and so its session lease) survived the wait: a waiter whose lease expired is told it
    /// holds the lock alongside the next waiter (etcd #11456).
    case lockWithoutLeaseRecheck

    static let armed: Set<Canary> = parse(ProcessInfo.processInfo.environment["KEEL_CANARY"] ?? "")

    static func parse(_ spec: String) -> Set<Canary> {
        Set(spec.split(separator: ",").compactMap { Canary(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
    }

    public var isArmed: Bool { Canary.armed.contains(self) }

    /// How far watchResendAfterReconnect moves a watch's start back (0 when not armed).
    static func resumedWatchShift(_ startRevision: Int64) -> Int64 {
        watchResendAfterReconnect.isArmed && startRevision > 1 ? 1 : 0
    }
}
