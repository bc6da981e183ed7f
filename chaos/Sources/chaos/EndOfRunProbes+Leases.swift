import ChaosCheckers
import EtcdAPI
import EtcdClient
import Foundation

extension EndOfRunProbes {
    /// Reads each lease's key (linearizable, any member) and notes whether it exists and when.
    static func leaseKeys(_ cluster: ChaosCluster, _ records: [LeaseRecord], clock: MonotonicClock) -> [LeaseRecord] {
        records.enumerated().map { i, record in
            var r = record
            var request = Etcdserverpb_RangeRequest()
            request.key = Data(record.key.utf8)
            for attempt in 0..<(cluster.members.count * 2) {
                let client = cluster.admin[(i + attempt) % cluster.members.count]
                if let response = try? client.get(request, timeout: .milliseconds(1000)) {
                    r.keyPresentAtEnd = !response.kvs.isEmpty
                    r.endReadNanos = clock.nanos
                    break
                }
            }
            return r
        }
    }
}
