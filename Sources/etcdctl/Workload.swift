import EtcdAPI
import EtcdClient
import Foundation
import Synchronization

/// Puts of random keys under a prefix from `clients` concurrent workers, with etcd's report
/// statistics (requests per second, slowest, standard deviation, errors by text).
struct Workload {
    struct Stats {
        var rps = 0.0
        var slowest = 0.0
        var stddev = 0.0
        var errors: [String: Int] = [:]
    }

    let config: EtcdClientConfig
    let clients: Int
    var onDone: @Sendable () -> Void = {}

    /// Runs until `proceed` (called before each request) returns false.
    func run(prefix: String, keyBytes: Int, valueBytes: Int, proceed: @escaping @Sendable () -> Bool) -> Stats {
        // A few connections carry all workers' requests (each worker waits for its answer).
        let connections = (0..<min(clients, 8)).map { _ in ClientSetup.connect(config) }
        let latencies = Mutex<[Double]>([])
        let errors = Mutex<[String: Int]>([:])
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        let done = onDone
        for worker in 0..<clients {
            let client = connections[worker % connections.count]
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var key = [UInt8](repeating: 0, count: keyBytes)
                let value = Data(count: valueBytes)
                while proceed() {
                    Self.putVarint(Int64.random(in: 0..<Int64.max), into: &key)
                    var request = Etcdserverpb_PutRequest()
                    request.key = Data(prefix.utf8) + Data(key)
                    request.value = value
                    let began = DispatchTime.now().uptimeNanoseconds
                    do { _ = try client.put(request, timeout: .unlimited) } catch {
                        errors.withLock { $0[asEtcdError(error).description, default: 0] += 1 }
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
                    latencies.withLock { $0.append(seconds) }
                    done()
                }
            }
        }
        group.wait()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let values = latencies.withLock { $0 }
        var stats = Stats()
        stats.errors = errors.withLock { $0 }
        guard !values.isEmpty else { return stats }
        stats.rps = Double(values.count) / total
        stats.slowest = values.max() ?? 0
        let mean = values.reduce(0, +) / Double(values.count)
        stats.stddev = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        return stats
    }

    /// Go's binary.PutVarint: zig-zag, then 7 bits per byte.
    static func putVarint(_ value: Int64, into buffer: inout [UInt8]) {
        var bits = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var index = 0
        while bits >= 0x80 {
            buffer[index] = UInt8(truncatingIfNeeded: bits) | 0x80
            bits >>= 7
            index += 1
        }
        buffer[index] = UInt8(bits)
    }
}
