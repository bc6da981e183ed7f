import EtcdAPI
import EtcdClient
import Foundation
import GRPC

/// etcd's `stm`: each request is one software transaction over `--keys-per-txn` distinct keys
/// out of `--keys`: read every key, overwrite the first `--txn-wr-percent` percent of them with
/// 20 random bytes, and commit with a Txn that only succeeds if nothing read has changed;
/// a conflict re-runs the transaction (the latency covers every attempt).
///
/// Isolation as in clientv3's concurrency.STM: `c` (read committed) commits without checks;
/// `r` (repeatable reads) checks each read key's mod revision; `s` (serializable) and `ss`
/// (serializable snapshot) also read every key at the first read's revision. (`ss` would also
/// check written keys, but here every written key was read, so the checks are the same.)
struct StmWorkload: Workload {
    let keyCount: Int
    let keysPerTxn: Int
    let writePercent: Int
    let isolation: String
    /// Bound on re-runs of one transaction, so a livelock ends with an error instead of hanging.
    static let maxAttempts = 1000
    var name: String { "stm" }

    init(keyCount: Int, keysPerTxn: Int, writePercent: Int, isolation: String) {
        precondition(keysPerTxn <= keyCount, "more keys per transaction than keys")
        self.keyCount = keyCount
        self.keysPerTxn = keysPerTxn
        self.writePercent = writePercent
        self.isolation = isolation
    }

    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void) {
        var numbers = Set<Int>()
        while numbers.count < keysPerTxn { numbers.insert(Int.random(in: 0..<keyCount)) }
        let keys = numbers.map { Data("stm-key-\($0)".utf8) }
        StmAttempt(workload: self, connection: connection, keys: keys, attempt: 1, completion: completion).start()
    }
}

/// One run of an STM transaction: sequential reads, then the conditional commit.
private final class StmAttempt {
    let workload: StmWorkload
    let connection: EtcdConnection
    let keys: [Data]
    let attempt: Int
    let completion: (EtcdError?) -> Void
    /// Mod revision each key had when read (0: absent).
    private var observed: [Int64] = []
    /// Revision of the first read; later reads are pinned to it under s/ss.
    private var snapshotRevision: Int64 = 0

    init(workload: StmWorkload, connection: EtcdConnection, keys: [Data], attempt: Int, completion: @escaping (EtcdError?) -> Void) {
        self.workload = workload
        self.connection = connection
        self.keys = keys
        self.attempt = attempt
        self.completion = completion
    }

    func start() { read(0) }

    private var pinned: Bool { workload.isolation == "s" || workload.isolation == "ss" }

    private func read(_ i: Int) {
        guard i < keys.count else { commit(); return }
        var request = Etcdserverpb_RangeRequest()
        request.key = keys[i]
        if pinned && snapshotRevision > 0 {
            request.revision = snapshotRevision
            request.serializable = true
        }
        connection.call(EtcdRPCs.range, request, timeout: .unlimited) { [self] result in
            switch result {
            case .failure(let error):
                completion(error)
            case .success(let response):
                if snapshotRevision == 0 { snapshotRevision = response.header.revision }
                observed.append(response.kvs.first?.modRevision ?? 0)
                read(i + 1)
            }
        }
    }

    private func commit() {
        let writes = keys.count * workload.writePercent / 100
        var request = Etcdserverpb_TxnRequest()
        if workload.isolation != "c" {
            request.compare = keys.indices.map { i in
                var compare = Etcdserverpb_Compare()
                compare.key = keys[i]
                compare.target = .mod
                compare.result = .equal
                compare.modRevision = observed[i]
                return compare
            }
        }
        request.success = keys.prefix(writes).map { key in
            var put = Etcdserverpb_PutRequest()
            put.key = key
            put.value = randomValue(20)
            var op = Etcdserverpb_RequestOp()
            op.requestPut = put
            return op
        }
        connection.call(EtcdRPCs.txn, request, timeout: .unlimited) { [self] result in
            switch result {
            case .failure(let error):
                completion(error)
            case .success(let response) where response.succeeded:
                completion(nil)
            case .success:
                retry()
            }
        }
    }

    private func retry() {
        guard attempt < StmWorkload.maxAttempts else {
            completion(EtcdError(code: .aborted, message: "stm: gave up after \(attempt) conflicting attempts"))
            return
        }
        StmAttempt(workload: workload, connection: connection, keys: keys, attempt: attempt + 1, completion: completion).start()
    }
}
