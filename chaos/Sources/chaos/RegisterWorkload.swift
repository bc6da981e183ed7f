import ChaosCheckers
import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// Per-key registers: `clientsPerKey` clients on each key, each with its own connection
/// (starting at a different member), issuing one operation at a time: linearizable reads,
/// puts of unique values, and compare-and-set (a txn comparing the value, or absence).
/// Every operation is recorded with monotonic invoke/complete times and its outcome.
/// Loop thread only, except `snapshot` through the loop.
final class RegisterWorkload {
    struct Client {
        var id: Int
        var key: String
        var member: Int
        var connection: EtcdConnection
        var rng: SeededGenerator
        var lastSeen: String?
        var written = 0
    }

    private let loop: EventLoop
    private let clock: MonotonicClock
    private let timeoutMilliseconds: UInt64
    private var clients: [Client] = []
    private(set) var history: [RegisterOperation] = []
    private var inFlight = 0
    private var stopping = false
    private var nextID = 0

    init(loop: EventLoop, clock: MonotonicClock, endpoints: [Endpoint], keyPrefix: String, keys: Int,
         clientsPerKey: Int, seed: UInt64, timeoutMilliseconds: UInt64) {
        self.loop = loop
        self.clock = clock
        self.timeoutMilliseconds = timeoutMilliseconds
        let root = SeededGenerator(seed: seed)
        for k in 0..<keys {
            for c in 0..<clientsPerKey {
                let id = k * clientsPerKey + c
                let member = id % endpoints.count
                // Start at "its" member, fail over to the others in order.
                let rotated = Array(endpoints[member...] + endpoints[..<member])
                let config = EtcdClientConfig(endpoints: rotated, dialTimeoutMilliseconds: 500,
                                              requestTimeoutMilliseconds: timeoutMilliseconds, reconnectBackoffMilliseconds: 100)
                clients.append(Client(id: id, key: "\(keyPrefix)/k\(k)", member: member,
                                      connection: EtcdConnection(loop: loop, config: config), rng: root.derived(UInt64(id + 1))))
            }
        }
    }

    func start() {
        for i in clients.indices { issue(i) }
    }

    /// Stops issuing; `onDrained` runs once every operation in flight has completed.
    func stop(onDrained: @escaping () -> Void) {
        stopping = true
        loop.whenDrained({ [weak self] in self?.inFlight ?? 0 }) { [weak self] in
            for c in self?.clients ?? [] { c.connection.close() }
            onDrained()
        }
    }

    private func issue(_ i: Int) {
        guard !stopping else { return }
        let roll = Int.random(in: 0..<100, using: &clients[i].rng)
        let kind: RegisterOperation.Kind = roll < 50 ? .read : (roll < 75 ? .write : .cas)
        var op = RegisterOperation(id: nextID, client: clients[i].id, key: clients[i].key, kind: kind,
                                   invokeNanos: 0, completeNanos: nil, outcome: .unknown,
                                   member: clients[i].member)
        nextID += 1
        if kind != .read {
            clients[i].written += 1
            op.value = "c\(clients[i].id)-\(clients[i].written)"
        }
        if kind == .cas { op.expected = clients[i].lastSeen }
        inFlight += 1
        op.invokeNanos = clock.nanos
        let connection = clients[i].connection
        switch kind {
        case .read:
            var request = Etcdserverpb_RangeRequest()
            request.key = Data(op.key.utf8)
            connection.call(EtcdRPCs.range, request) { [self] result in
                finish(i, op, result.map { response in
                    var done = op
                    done.value = response.kvs.first.map { String(decoding: $0.value, as: UTF8.self) }
                    done.modRevision = response.kvs.first?.modRevision
                    done.revision = response.header.revision
                    return done
                })
            }
        case .write:
            var request = Etcdserverpb_PutRequest()
            request.key = Data(op.key.utf8)
            request.value = Data(op.value!.utf8)
            connection.call(EtcdRPCs.put, request) { [self] result in
                finish(i, op, result.map { response in
                    var done = op
                    done.revision = response.header.revision
                    return done
                })
            }
        case .cas:
            connection.call(EtcdRPCs.txn, Self.compareAndSet(key: op.key, expected: op.expected, new: op.value!)) { [self] result in
                finish(i, op, result.map { response in
                    var done = op
                    done.succeeded = response.succeeded
                    done.revision = response.header.revision
                    return done
                })
            }
        }
    }

    static func compareAndSet(key: String, expected: String?, new: String) -> Etcdserverpb_TxnRequest {
        var compare = Etcdserverpb_Compare()
        compare.key = Data(key.utf8)
        compare.result = .equal
        if let expected {
            compare.target = .value
            compare.value = Data(expected.utf8)
        } else {
            // Absent key: created at revision 0.
            compare.target = .create
            compare.createRevision = 0
        }
        var put = Etcdserverpb_PutRequest()
        put.key = Data(key.utf8)
        put.value = Data(new.utf8)
        var then = Etcdserverpb_RequestOp()
        then.requestPut = put
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [compare]
        txn.success = [then]
        return txn
    }

    private func finish(_ i: Int, _ invoked: RegisterOperation, _ result: Result<RegisterOperation, EtcdError>) {
        inFlight -= 1
        let now = clock.nanos
        var op: RegisterOperation
        switch result {
        case .success(let done):
            op = done
            op.outcome = .ok
            op.completeNanos = now
            switch op.kind {
            case .read: clients[i].lastSeen = op.value
            case .write: clients[i].lastSeen = op.value
            case .cas: if op.succeeded == true { clients[i].lastSeen = op.value }
            }
        case .failure(let error):
            op = invoked
            op.error = error.description
            // A read changes nothing; a write that never reached a server did not happen;
            // any other failed write may still be applied.
            if op.kind == .read || error.neverConnected {
                op.outcome = .fail
                op.completeNanos = now
            } else {
                op.outcome = .unknown
                op.completeNanos = nil
            }
        }
        history.append(op)
        let pause: UInt64 = op.outcome == .ok ? UInt64.random(in: 0...20, using: &clients[i].rng) : 100
        loop.schedule(afterMilliseconds: pause) { [weak self] in self?.issue(i) }
    }
}
