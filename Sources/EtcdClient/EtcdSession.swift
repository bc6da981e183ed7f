import Dispatch
import EtcdAPI
import Foundation
import Synchronization

/// clientv3/concurrency's Session: a lease granted for the caller and kept alive in the
/// background; `wait()` returns once the lease is lost (expired, revoked, or unreachable).
public final class EtcdSession: Sendable {
    public let leaseID: Int64
    private let done = DispatchSemaphore(value: 0)
    private let ended = Mutex(false)

    public init(client: EtcdClient, ttlSeconds: Int64) throws(EtcdError) {
        leaseID = try client.leaseGrant(ttlSeconds: ttlSeconds, timeout: .unlimited).id
        let id = leaseID
        client.withConnection { [self] connection in
            let keeper = connection.keepAlive(leaseID: id)
            keeper.onEnd = { _ in self.end() }
        }
    }

    private func end() {
        let first = ended.withLock { wasEnded in
            defer { wasEnded = true }
            return !wasEnded
        }
        if first { done.signal() }
    }

    /// Blocks until the session's lease is gone.
    public func wait() {
        done.wait()
        done.signal()
    }

    /// The key a session enters under `prefix`: the prefix and the lease ID in hex (Go's %x).
    public func key(prefix: String) -> String { prefix + String(leaseID, radix: 16) }
}
