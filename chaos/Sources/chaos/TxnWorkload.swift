import ChaosCheckers
import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// Whole-store transactions over a small key set (`keys` keys under `prefix`): `clients`
/// clients, each with its own connection starting at a different member, one txn at a time —
/// reads of several keys, unconditional puts to several keys, and read-modify-writes (if the
/// keys last read still have the mod revisions seen, put to them; otherwise range them).
/// Every txn puts a value unique to it, records invoke/complete times, outcome and revision.
/// Loop thread only.
final class TxnWorkload {
    struct Client {
        var id: Int
        var member: Int
        var connection: EtcdConnection
        var rng: SeededGenerator
        /// Mod revisions of the keys this client saw last (read, failed compare, or its own put).
        var lastSeen: [String: Int64] = [:]
        var written = 0
    }

    let keys: [String]
    private let loop: EventLoop
    private let clock: MonotonicClock
    private var clients: [Client] = []
    private(set) var history: [TxnOperation] = []
    private var inFlight = 0
    private var stopping = false
    private var nextID = 0

    init(loop: EventLoop, clock: MonotonicClock, endpoints: [Endpoint], prefix: String, keys: Int, clients count: Int,
         seed: UInt64, timeoutMilliseconds: UInt64) {
        precondition(keys >= 4, "txns pick up to four keys")
        self.loop = loop
        self.clock = clock
        self.keys = (0..<keys).map { "\(prefix)k\($0)" }
        let root = SeededGenerator(seed: seed).derived(0x54584E)
        for id in 0..<count {
            let member = id % endpoints.count
            let rotated = Array(endpoints[member...] + endpoints[..<member])
            let config = EtcdClientConfig(endpoints: rotated, dialTimeoutMilliseconds: 500,
                                          requestTimeoutMilliseconds: timeoutMilliseconds, reconnectBackoffMilliseconds: 100)
            clients.append(Client(id: id, member: member, connection: EtcdConnection(loop: loop, config: config),
                                  rng: root.derived(UInt64(id + 1))))
        }
    }

    func start() {
        for i in clients.indices { issue(i) }
    }

    /// Stops issuing; `onDrained` runs once every txn in flight has completed.
    func stop(onDrained: @escaping () -> Void) {
        stopping = true
        loop.whenDrained({ [weak self] in self?.inFlight ?? 0 }) { [weak self] in
            for c in self?.clients ?? [] { c.connection.close() }
            onDrained()
        }
    }

    /// Up to `count` distinct keys, in key order (a stable order keeps txns comparable).
    private func pickKeys(_ i: Int, _ count: Int) -> [String] {
        var chosen = keys
        chosen.shuffle(using: &clients[i].rng)
        return chosen.prefix(count).sorted()
    }

    /// The next txn of client `i`, and for a read the keys it ranges.
    private func plan(_ i: Int) -> (TxnOperation, readKeys: [String]) {
        let roll = Int.random(in: 0..<100, using: &clients[i].rng)
        let c = clients[i]
        var op = TxnOperation(id: nextID, client: c.id, kind: .read, invokeNanos: 0, completeNanos: nil,
                              outcome: .unknown, member: c.member)
        nextID += 1
        let canCompare = !c.lastSeen.isEmpty
        if roll < 45 || (roll < 75 && !canCompare) {
            return (op, pickKeys(i, Int.random(in: 2...4, using: &clients[i].rng)))
        }
        clients[i].written += 1
        op.value = "t\(c.id)-\(clients[i].written)"
        if roll < 75 {
            op.kind = .cas
            op.compares = c.lastSeen.keys.sorted().prefix(3).map { .init(key: $0, modRevision: c.lastSeen[$0]!) }
            op.writeKeys = op.compares.map(\.key)
        } else {
            op.kind = .write
            op.writeKeys = pickKeys(i, Int.random(in: 2...3, using: &clients[i].rng))
        }
        return (op, [])
    }

    private func issue(_ i: Int) {
        guard !stopping else { return }
        let (planned, readKeys) = plan(i)
        var op = planned
        inFlight += 1
        op.invokeNanos = clock.nanos
        let invoked = op
        clients[i].connection.call(EtcdRPCs.txn, Self.request(for: invoked, readKeys: readKeys)) { [self] result in
            finish(i, invoked, result.map { response in
                var done = invoked
                done.revision = response.header.revision
                if invoked.kind == .cas { done.succeeded = response.succeeded }
                let ranged = invoked.kind == .read ? readKeys : (response.succeeded ? [] : invoked.compares.map(\.key))
                done.observed = Self.namingAbsentKeys(response.responses.compactMap(Self.keyState), requested: ranged)
                return done
            })
        }
    }

    static func request(for op: TxnOperation, readKeys: [String]) -> Etcdserverpb_TxnRequest {
        var txn = Etcdserverpb_TxnRequest()
        switch op.kind {
        case .read:
            txn.success = readKeys.map(range)
        case .write:
            txn.success = op.writeKeys.map { put($0, op.value!) }
        case .cas:
            txn.compare = op.compares.map { c in
                var compare = Etcdserverpb_Compare()
                compare.key = Data(c.key.utf8)
                compare.target = .mod
                compare.result = .equal
                compare.modRevision = c.modRevision
                return compare
            }
            txn.success = op.writeKeys.map { put($0, op.value!) }
            // A failed compare reads the keys instead, so it is checked like a read.
            txn.failure = op.compares.map { range($0.key) }
        }
        return txn
    }

    private static func range(_ key: String) -> Etcdserverpb_RequestOp {
        var r = Etcdserverpb_RangeRequest()
        r.key = Data(key.utf8)
        var op = Etcdserverpb_RequestOp()
        op.requestRange = r
        return op
    }

    private static func put(_ key: String, _ value: String) -> Etcdserverpb_RequestOp {
        var p = Etcdserverpb_PutRequest()
        p.key = Data(key.utf8)
        p.value = Data(value.utf8)
        var op = Etcdserverpb_RequestOp()
        op.requestPut = p
        return op
    }

    /// A range's answer as the key's state; puts answer nothing to record. An absent key has
    /// no kv to name it, so its key comes from the request order (`namingAbsentKeys`).
    private static func keyState(_ response: Etcdserverpb_ResponseOp) -> TxnOperation.KeyState? {
        guard case .responseRange(let r)? = response.response else { return nil }
        guard let kv = r.kvs.first else { return .init(key: "", value: nil, modRevision: 0) }
        return .init(key: String(decoding: kv.key, as: UTF8.self), value: String(decoding: kv.value, as: UTF8.self),
                     modRevision: kv.modRevision)
    }

    private func finish(_ i: Int, _ invoked: TxnOperation, _ result: Result<TxnOperation, EtcdError>) {
        inFlight -= 1
        var op: TxnOperation
        switch result {
        case .success(let done):
            op = done
            op.outcome = .ok
            op.completeNanos = clock.nanos
            remember(i, op)
        case .failure(let error):
            op = invoked
            op.error = error.description
            // A read changes nothing; a txn that never reached a server did not happen; any
            // other failed write may still be applied.
            if op.kind == .read || error.neverConnected {
                op.outcome = .fail
                op.completeNanos = clock.nanos
            } else {
                op.outcome = .unknown
            }
        }
        history.append(op)
        let pause: UInt64 = op.outcome == .ok ? UInt64.random(in: 0...20, using: &clients[i].rng) : 100
        loop.schedule(afterMilliseconds: pause) { [weak self] in self?.issue(i) }
    }

    /// Ranges of absent keys answer no kv; give them their key from the request.
    static func namingAbsentKeys(_ states: [TxnOperation.KeyState], requested: [String]) -> [TxnOperation.KeyState] {
        zip(states, requested).map { state, key in
            var s = state
            if s.key.isEmpty { s.key = key }
            return s
        }
    }

    private func remember(_ i: Int, _ op: TxnOperation) {
        if !op.observed.isEmpty {
            clients[i].lastSeen = Dictionary(op.observed.map { ($0.key, $0.modRevision) }, uniquingKeysWith: { a, _ in a })
        } else if op.mayWrite, let r = op.revision {
            clients[i].lastSeen = Dictionary(op.writeKeys.map { ($0, r) }, uniquingKeysWith: { a, _ in a })
        }
    }
}
