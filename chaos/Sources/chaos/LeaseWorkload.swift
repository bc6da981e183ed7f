import ChaosCheckers
import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// Lease clients during the faults: each grants a lease, attaches one key to it, then sends a
/// keepalive every second (one at a time, each bounded by a timeout), recording the invoke time
/// of every keepalive answered with a positive TTL and when an answer said the lease was gone.
/// A client whose lease is gone starts over with a new lease and key, so faults late in a run
/// (clock skew expiring leases early) still meet live leases. Loop thread only.
final class LeaseWorkload {
    private struct Client {
        var connection: EtcdConnection
        let baseKey: String
        var key: String
        var lease: Int64 = 0
        var ttl: Int64 = 0
        var attached = false
        var aliveFrom: [UInt64] = []
        var lostAt: UInt64?
        var attempts = 0
        /// Leases this client saw end; after each it starts over with a new lease and key.
        var past: [LeaseRecord] = []

        var record: LeaseRecord { LeaseRecord(lease: lease, key: key, ttlSeconds: ttl, aliveFrom: aliveFrom, lostAtNanos: lostAt) }

        /// The lease ended: keep its record and start over (a new key, so the end-of-run read
        /// tells the old lease's key, which must be gone, from the new one's).
        mutating func startOver() {
            past.append(record)
            key = "\(baseKey)-\(past.count)"
            (lease, ttl, attached, aliveFrom, lostAt, attempts) = (0, 0, false, [], nil, 0)
        }
    }

    static let ttlSeconds: Int64 = 4
    static let keepAliveEveryMilliseconds: UInt64 = 1000
    static let maxSetupAttempts = 50

    private let loop: EventLoop
    private let clock: MonotonicClock
    private var clients: [Client] = []
    private var stopping = false

    init(loop: EventLoop, clock: MonotonicClock, endpoints: [Endpoint], prefix: String, clients count: Int) {
        self.loop = loop
        self.clock = clock
        for i in 0..<count {
            let member = i % endpoints.count
            let rotated = Array(endpoints[member...] + endpoints[..<member])
            let config = EtcdClientConfig(endpoints: rotated, dialTimeoutMilliseconds: 500,
                                          requestTimeoutMilliseconds: 1000, reconnectBackoffMilliseconds: 100)
            clients.append(Client(connection: EtcdConnection(loop: loop, config: config), baseKey: "\(prefix)lease\(i)", key: "\(prefix)lease\(i)"))
        }
    }

    func start() {
        for i in clients.indices { grant(i) }
    }

    /// Stops renewing and returns what each attached lease saw (end reads filled in later).
    func stop() -> [LeaseRecord] {
        stopping = true
        for c in clients { c.connection.close() }
        return clients.flatMap { c in c.past + (c.attached ? [c.record] : []) }
    }

    private func retrySetup(_ i: Int, _ step: @escaping (Int) -> Void) {
        clients[i].attempts += 1
        guard clients[i].attempts < Self.maxSetupAttempts else { return }
        loop.schedule(afterMilliseconds: 200) { [weak self] in self?.stopping == false ? step(i) : () }
    }

    private func grant(_ i: Int) {
        guard !stopping else { return }
        var request = Etcdserverpb_LeaseGrantRequest()
        request.ttl = Self.ttlSeconds
        clients[i].connection.call(EtcdRPCs.leaseGrant, request) { [weak self] result in
            guard let self, !self.stopping else { return }
            guard case .success(let r) = result, r.error.isEmpty else { return self.retrySetup(i, self.grant) }
            self.clients[i].lease = r.id
            self.clients[i].ttl = r.ttl
            self.attach(i)
        }
    }

    /// Puts the key with the lease. A lease whose attach failed is dropped for a new one.
    private func attach(_ i: Int) {
        var request = Etcdserverpb_PutRequest()
        request.key = Data(clients[i].key.utf8)
        request.value = Data("\(clients[i].lease)".utf8)
        request.lease = clients[i].lease
        let invoked = clock.nanos
        clients[i].connection.call(EtcdRPCs.put, request) { [weak self] result in
            guard let self, !self.stopping else { return }
            guard case .success = result else { return self.retrySetup(i, self.grant) }
            self.clients[i].attached = true
            self.clients[i].aliveFrom.append(invoked)
            self.keepAlive(i)
        }
    }

    /// A keepalive said the lease is gone: record it and start over with a new lease.
    private func lost(_ i: Int) {
        clients[i].lostAt = clock.nanos
        clients[i].startOver()
        loop.schedule(afterMilliseconds: 200) { [weak self] in
            guard let self, !self.stopping else { return }
            self.grant(i)
        }
    }

    /// One keepalive chain per lease: a chain whose lease ended (`generation` behind) stops.
    private func keepAlive(_ i: Int) {
        guard !stopping, clients[i].lostAt == nil else { return }
        let generation = clients[i].past.count
        let invoked = clock.nanos
        let keeper = clients[i].connection.keepAlive(leaseID: clients[i].lease, once: true,
                                                     timeoutMilliseconds: Self.keepAliveEveryMilliseconds)
        keeper.onResponse = { [weak self] response in
            guard let self, !self.stopping, self.clients[i].past.count == generation else { return }
            if response.ttl > 0 { self.clients[i].aliveFrom.append(invoked) } else { self.lost(i) }
        }
        keeper.onEnd = { [weak self] _ in
            guard let self, self.clients[i].past.count == generation else { return }
            self.loop.schedule(afterMilliseconds: Self.keepAliveEveryMilliseconds) { [weak self] in
                guard let self, self.clients[i].past.count == generation else { return }
                self.keepAlive(i)
            }
        }
    }
}
