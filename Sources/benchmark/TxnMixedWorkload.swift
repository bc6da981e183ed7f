import EtcdAPI
import EtcdClient
import Foundation

/// etcd's `txn-mixed`: each request is a transaction that either reads [key, end) or puts a
/// random key; reads outnumber writes by `--rw-ratio`. Reads and writes get separate summaries.
struct TxnMixedWorkload: Workload {
    let keys: KeyMaker
    let value: Data
    let readKey: Data
    let readEnd: Data
    let serializable: Bool
    /// Requests whose hash falls below this (of 2^32) are reads: ratio / (ratio + 1).
    let readThreshold: UInt64
    /// Per-run seed, so the read/write pattern differs between runs but kind(of:) and send agree.
    let seed = UInt64.random(in: 0...UInt64.max)
    var name: String { "txn-mixed" }

    init(keys: KeyMaker, value: Data, key: String, end: String, ratio: Double, serializable: Bool) {
        self.keys = keys
        self.value = value
        readKey = Data(key.utf8)
        readEnd = Data(end.utf8)
        self.serializable = serializable
        readThreshold = UInt64(ratio / (ratio + 1) * Double(UInt64(1) << 32))
    }

    func kind(of index: Int) -> String? { isRead(index) ? "read" : "write" }

    private func isRead(_ index: Int) -> Bool {
        var z = seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) >> 32 < readThreshold
    }

    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void) {
        var op = Etcdserverpb_RequestOp()
        if isRead(index) {
            var range = Etcdserverpb_RangeRequest()
            range.key = readKey
            range.rangeEnd = readEnd
            range.serializable = serializable
            op.requestRange = range
        } else {
            var put = Etcdserverpb_PutRequest()
            put.key = keys.key(index)
            put.value = value
            op.requestPut = put
        }
        var request = Etcdserverpb_TxnRequest()
        request.success = [op]
        connection.call(EtcdRPCs.txn, request, timeout: .unlimited) { completion($0.failureValue) }
    }
}
