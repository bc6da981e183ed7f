import EtcdAPI
import EtcdClient
import Foundation

/// Builds the i-th request of a benchmark and sends it on a connection.
protocol Workload {
    var name: String { get }
    /// Setup before the clock starts (e.g. one lease per client); `done(nil)` when ready.
    func prepare(clients: Int, connections: [EtcdConnection], done: @escaping (EtcdError?) -> Void)
    /// The summary request `index` is counted in, when the workload reports several (txn-mixed).
    func kind(of index: Int) -> String?
    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void)
}

extension Workload {
    func prepare(clients: Int, connections: [EtcdConnection], done: @escaping (EtcdError?) -> Void) { done(nil) }
    func kind(of index: Int) -> String? { nil }
}

/// Keys as etcd's benchmark makes them: the key number, varint-encoded, in a zero-padded
/// buffer of `--key-size` bytes; numbers come from `--key-space-size`, in order or at random.
struct KeyMaker {
    let keySize: Int
    let keySpaceSize: Int
    let sequential: Bool

    func key(_ index: Int) -> Data {
        let number = sequential ? index % keySpaceSize : Int.random(in: 0..<keySpaceSize)
        var bytes = [UInt8](repeating: 0, count: keySize)
        var zigzag = UInt64(bitPattern: Int64(number) << 1)  // Go's PutVarint zig-zags signed values
        var position = 0
        while position < keySize {
            bytes[position] = UInt8(zigzag & 0x7f) | (zigzag >= 0x80 ? 0x80 : 0)
            position += 1
            if zigzag < 0x80 { break }
            zigzag >>= 7
        }
        return Data(bytes)
    }
}

/// A random value of `--val-size` bytes, made once (the payload content does not matter).
func randomValue(_ size: Int) -> Data {
    Data((0..<size).map { _ in UInt8.random(in: 0...255) })
}

struct PutWorkload: Workload {
    let keys: KeyMaker
    let value: Data
    var name: String { "put" }

    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void) {
        var request = Etcdserverpb_PutRequest()
        request.key = keys.key(index)
        request.value = value
        connection.call(EtcdRPCs.put, request, timeout: .unlimited) { completion($0.failureValue) }
    }
}

struct RangeWorkload: Workload {
    let request: Etcdserverpb_RangeRequest
    var name: String { "range" }

    init(key: String, end: String?, serializable: Bool) {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(key.utf8)
        if let end { request.rangeEnd = Data(end.utf8) }
        request.serializable = serializable
        self.request = request
    }

    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void) {
        connection.call(EtcdRPCs.range, request, timeout: .unlimited) { completion($0.failureValue) }
    }
}

/// A transaction with no compares whose success branch puts `--txn-ops` keys.
struct TxnPutWorkload: Workload {
    let keys: KeyMaker
    let value: Data
    let ops: Int
    var name: String { "txn-put" }

    func send(_ index: Int, client: Int, on connection: EtcdConnection, completion: @escaping (EtcdError?) -> Void) {
        var request = Etcdserverpb_TxnRequest()
        request.success = (0..<ops).map { op in
            var put = Etcdserverpb_PutRequest()
            put.key = keys.key(index * ops + op)
            put.value = value
            var requestOp = Etcdserverpb_RequestOp()
            requestOp.requestPut = put
            return requestOp
        }
        connection.call(EtcdRPCs.txn, request, timeout: .unlimited) { completion($0.failureValue) }
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
