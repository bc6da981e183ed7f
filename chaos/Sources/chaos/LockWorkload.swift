import ChaosCheckers
import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// Lock clients (like `etcdctl lock`): each keeps a short lease alive and loops: Lock through
/// the server's v3lock service, read the lock key's create revision, do fenced writes (a txn
/// that applies only while the lock key still has that create revision), Unlock. Its own
/// nemesis makes sessions end while they wait: some attempts pause their keepalives (the
/// lease expires a TTL later) and some have their lease revoked from another connection.
/// Every operation is recorded. Loop thread only.
final class LockWorkload {
    struct Client {
        var id: Int
        var lockName: String
        var recordKey: String
        var connection: EtcdConnection
        var rng: SeededGenerator
        var lease: Int64 = 0
        /// Keepalives are not sent while set (the lease is left to expire).
        var starved = false
        var hold = 0
        var written = 0
    }

    static let lockRPC = EtcdRPC<V3lockpb_LockRequest, V3lockpb_LockResponse>("/v3lockpb.Lock/Lock", safe: false)
    static let unlockRPC = EtcdRPC<V3lockpb_UnlockRequest, V3lockpb_UnlockResponse>("/v3lockpb.Lock/Unlock", safe: false)
    static let ttlSeconds: Int64 = 3
    static let keepAliveEveryMilliseconds: UInt64 = 1000
    /// Long enough for a waiter's lease to expire behind a long hold, bounded for the drain.
    static let lockTimeoutMilliseconds: UInt64 = 9000

    private let loop: EventLoop
    private let clock: MonotonicClock
    /// The nemesis connection: revokes a client's lease while it waits or holds.
    private let nemesis: EtcdConnection
    private var nemesisRNG: SeededGenerator
    private var clients: [Client] = []
    private(set) var history: [LockOperation] = []
    private var inFlight = 0
    private var stopping = false
    private var nextID = 0

    init(loop: EventLoop, clock: MonotonicClock, endpoints: [Endpoint], keyPrefix: String, locks: Int,
         clientsPerLock: Int, seed: UInt64) {
        self.loop = loop
        self.clock = clock
        let root = SeededGenerator(seed: seed).derived(0x4C4F434B)
        nemesisRNG = root.derived(0)
        nemesis = EtcdConnection(loop: loop, config: Self.config(endpoints, startingAt: 0))
        for l in 0..<locks {
            for c in 0..<clientsPerLock {
                let id = l * clientsPerLock + c
                clients.append(Client(id: id, lockName: "\(keyPrefix)/lock/L\(l)", recordKey: "\(keyPrefix)/lockrecord/L\(l)",
                                      connection: EtcdConnection(loop: loop, config: Self.config(endpoints, startingAt: id)),
                                      rng: root.derived(UInt64(id + 1))))
            }
        }
    }

    static func config(_ endpoints: [Endpoint], startingAt member: Int) -> EtcdClientConfig {
        let m = member % endpoints.count
        return EtcdClientConfig(endpoints: Array(endpoints[m...] + endpoints[..<m]), dialTimeoutMilliseconds: 500,
                                requestTimeoutMilliseconds: 1500, reconnectBackoffMilliseconds: 100)
    }

    func start() {
        for i in clients.indices { next(i) }
    }

    /// Stops starting new attempts; `onDrained` runs once every request in flight has ended
    /// (each is bounded by its timeout).
    func stop(onDrained: @escaping () -> Void) {
        stopping = true
        loop.whenDrained({ [weak self] in self?.inFlight ?? 0 }) { [weak self] in
            for c in self?.clients ?? [] { c.connection.close() }
            self?.nemesis.close()
            onDrained()
        }
    }

    // MARK: One attempt: lease, Lock, probe, fenced writes, Unlock

    private func next(_ i: Int, afterMilliseconds pause: UInt64 = 0) {
        loop.schedule(afterMilliseconds: pause) { [weak self] in
            guard let self, !self.stopping else { return }
            self.clients[i].lease == 0 ? self.grant(i) : self.lock(i)
        }
    }

    private func grant(_ i: Int) {
        var request = Etcdserverpb_LeaseGrantRequest()
        request.ttl = Self.ttlSeconds
        send(i, EtcdRPCs.leaseGrant, request) { [self] result in
            guard case .success(let r) = result, r.error.isEmpty, r.id != 0 else { return next(i, afterMilliseconds: 200) }
            clients[i].lease = r.id
            clients[i].starved = false
            keepAlive(i, lease: r.id)
            lock(i)
        }
    }

    private func lock(_ i: Int) {
        clients[i].hold += 1
        let lease = clients[i].lease
        sabotage(i, lease: lease)
        var request = V3lockpb_LockRequest()
        request.name = Data(clients[i].lockName.utf8)
        request.lease = lease
        var op = operation(i, .lock)
        send(i, Self.lockRPC, request, timeout: Self.lockTimeoutMilliseconds) { [self] result in
            switch result {
            case .success(let r):
                op.key = String(decoding: r.key, as: UTF8.self)
                op.revision = r.header.revision
                record(&op, nil)
                probe(i, key: op.key!)
            case .failure(let error):
                record(&op, error)
                abandonLease(i)
            }
        }
    }

    /// The workload's nemesis for this attempt, drawn from the client's seed: leave the lease
    /// to expire (keepalives paused), revoke it after a while, or nothing.
    private func sabotage(_ i: Int, lease: Int64) {
        let roll = Int.random(in: 0..<100, using: &clients[i].rng)
        if roll < 15 {
            clients[i].starved = true
        } else if roll < 35 {
            let after = UInt64.random(in: 200...2500, using: &clients[i].rng)
            let hold = clients[i].hold
            loop.schedule(afterMilliseconds: after) { [weak self] in
                guard let self, !self.stopping, self.clients[i].lease == lease, self.clients[i].hold == hold else { return }
                self.revoke(i, lease: lease, from: self.nemesis, then: {})
            }
        }
    }

    /// Reads the lock key: its create revision is what the fenced writes compare.
    private func probe(_ i: Int, key: String) {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(key.utf8)
        var op = operation(i, .probe)
        op.key = key
        send(i, EtcdRPCs.range, request) { [self] result in
            switch result {
            case .success(let r):
                op.createRevision = r.kvs.first?.createRevision
                op.revision = r.header.revision
                record(&op, nil)
                guard let created = op.createRevision else { return unlock(i, key: key) }  // lost while acquiring
                let writes = Int.random(in: 1...3, using: &clients[i].rng)
                // Now and then a long hold, so waiters whose keepalives are paused outlive their lease.
                let long = Int.random(in: 0..<100, using: &clients[i].rng) < 25
                let gap: UInt64 = long ? UInt64.random(in: 1200...1800, using: &clients[i].rng) : UInt64.random(in: 20...200, using: &clients[i].rng)
                fencedWrite(i, key: key, created: created, remaining: writes, gap: gap)
            case .failure(let error):
                record(&op, error)
                unlock(i, key: key)
            }
        }
    }

    private func fencedWrite(_ i: Int, key: String, created: Int64, remaining: Int, gap: UInt64) {
        guard remaining > 0, !stopping else { return unlock(i, key: key) }
        clients[i].written += 1
        var op = operation(i, .fencedWrite)
        op.key = key
        op.createRevision = created
        op.recordKey = clients[i].recordKey
        op.value = "c\(clients[i].id)-h\(clients[i].hold)-w\(clients[i].written)"
        send(i, EtcdRPCs.txn, Self.fenced(key: key, created: created, record: op.recordKey!, value: op.value!)) { [self] result in
            switch result {
            case .success(let r):
                op.succeeded = r.succeeded
                op.revision = r.header.revision
                record(&op, nil)
                guard r.succeeded else { return unlock(i, key: key) }  // the lock is lost: stop writing
                loop.schedule(afterMilliseconds: gap) { [weak self] in
                    self?.fencedWrite(i, key: key, created: created, remaining: remaining - 1, gap: gap)
                }
            case .failure(let error):
                record(&op, error)
                unlock(i, key: key)
            }
        }
    }

    /// Writes the record only if the lock key still exists with the create revision it had
    /// when the lock was acquired (fencing by revision).
    static func fenced(key: String, created: Int64, record: String, value: String) -> Etcdserverpb_TxnRequest {
        var compare = Etcdserverpb_Compare()
        compare.key = Data(key.utf8)
        compare.target = .create
        compare.result = .equal
        compare.createRevision = created
        var put = Etcdserverpb_RequestOp()
        put.requestPut.key = Data(record.utf8)
        put.requestPut.value = Data(value.utf8)
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [compare]
        txn.success = [put]
        return txn
    }

    private func unlock(_ i: Int, key: String) {
        var request = V3lockpb_UnlockRequest()
        request.key = Data(key.utf8)
        var op = operation(i, .unlock)
        op.key = key
        send(i, Self.unlockRPC, request) { [self] result in
            if case .success(let r) = result { op.revision = r.header.revision }
            record(&op, result.failure)
            // A starved lease has expired or soon will: the next attempt takes a new one.
            if clients[i].starved || result.failure != nil { return abandonLease(i) }
            next(i, afterMilliseconds: UInt64.random(in: 0...150, using: &clients[i].rng))
        }
    }

    /// After a failed or unknown Lock (a key may still be queued under the lease) or a lost
    /// session: revoke the lease, so nothing of this attempt can become owner later, and start
    /// over with a new one. If the revoke fails the lease expires, as nobody renews it.
    private func abandonLease(_ i: Int) {
        let lease = clients[i].lease
        clients[i].lease = 0
        guard lease != 0 else { return next(i, afterMilliseconds: 100) }
        revoke(i, lease: lease, from: clients[i].connection) { [self] in next(i, afterMilliseconds: 100) }
    }

    private func revoke(_ i: Int, lease: Int64, from connection: EtcdConnection, then: @escaping () -> Void) {
        var request = Etcdserverpb_LeaseRevokeRequest()
        request.id = lease
        var op = operation(i, .revoke)
        op.lease = lease
        inFlight += 1
        connection.call(EtcdRPCs.leaseRevoke, request) { [self] result in
            inFlight -= 1
            if case .success(let r) = result { op.revision = r.header.revision }
            record(&op, result.failure)
            then()
        }
    }

    // MARK: Keepalives

    /// One keepalive a second while this lease is the client's and not starved.
    private func keepAlive(_ i: Int, lease: Int64) {
        guard !stopping, clients[i].lease == lease else { return }
        guard !clients[i].starved else {
            loop.schedule(afterMilliseconds: Self.keepAliveEveryMilliseconds) { [weak self] in self?.keepAlive(i, lease: lease) }
            return
        }
        let keeper = clients[i].connection.keepAlive(leaseID: lease, once: true, timeoutMilliseconds: Self.keepAliveEveryMilliseconds)
        keeper.onEnd = { [weak self] _ in
            self?.loop.schedule(afterMilliseconds: Self.keepAliveEveryMilliseconds) { [weak self] in self?.keepAlive(i, lease: lease) }
        }
    }

    // MARK: Recording

    private func operation(_ i: Int, _ kind: LockOperation.Kind) -> LockOperation {
        defer { nextID += 1 }
        return LockOperation(id: nextID, client: clients[i].id, hold: clients[i].hold, kind: kind, lockName: clients[i].lockName,
                             lease: clients[i].lease, invokeNanos: clock.nanos)
    }

    /// Completes `op`: ok, fail (the server said no, or no server was reached) or unknown.
    private func record(_ op: inout LockOperation, _ error: EtcdError?) {
        op.completeNanos = clock.nanos
        if let error {
            op.error = error.description
            let noAnswer = [.deadlineExceeded, .unavailable, .cancelled].contains(error.code) && !error.neverConnected
            op.outcome = noAnswer ? .unknown : .fail
        } else {
            op.outcome = .ok
        }
        history.append(op)
    }

    /// One request of client `i`, counted in flight until it ends.
    private func send<Req, Resp>(_ i: Int, _ rpc: EtcdRPC<Req, Resp>, _ request: Req, timeout: UInt64? = nil,
                                 _ completion: @escaping (Result<Resp, EtcdError>) -> Void) {
        inFlight += 1
        let t: RequestTimeout = timeout.map { .milliseconds($0) } ?? .configured
        clients[i].connection.call(rpc, request, timeout: t) { [self] result in
            inFlight -= 1
            completion(result)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
