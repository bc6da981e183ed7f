import ChaosCheckers
import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// Gathers the facts the end-of-run checkers judge, after the nemesis healed everything.
enum EndOfRunProbes {
    /// Every member must accept a write (sent to it) within `seconds`.
    static func progress(_ cluster: ChaosCluster, keyPrefix: String, seconds: Double) -> [EndOfRunChecks.ProgressProbe] {
        cluster.members.enumerated().map { i, m in
            let deadline = Date().addingTimeInterval(seconds)
            var request = Etcdserverpb_PutRequest()
            request.key = Data("\(keyPrefix)/progress/\(m.name)".utf8)
            request.value = Data("ok".utf8)
            var lastError = "no attempt"
            while Date() < deadline {
                do {
                    _ = try cluster.admin[i].put(request, timeout: .milliseconds(2000))
                    return .init(member: m.name, error: nil)
                } catch {
                    lastError = "\(error)"
                    usleep(200_000)
                }
            }
            return .init(member: m.name, error: lastError)
        }
    }

    /// HashKV on every member at one revision all of them have applied.
    static func hashes(_ cluster: ChaosCluster, seconds: Double) -> (Int64, [EndOfRunChecks.MemberHash]) {
        var revision: Int64 = 0
        for i in cluster.members.indices {
            if let s = try? cluster.admin[i].status(timeout: .milliseconds(1000)) { revision = max(revision, s.header.revision) }
        }
        let deadline = Date().addingTimeInterval(seconds)
        let hashes = cluster.members.enumerated().map { i, m -> EndOfRunChecks.MemberHash in
            var lastError = "no attempt"
            repeat {
                do {
                    let status = try cluster.admin[i].status(timeout: .milliseconds(1000))
                    if status.header.revision >= revision {
                        let h = try cluster.admin[i].hashKV(revision: revision, timeout: .milliseconds(5000))
                        return .init(member: m.name, hash: h.hash, compactRevision: h.compactRevision)
                    }
                    lastError = "at revision \(status.header.revision)"
                } catch {
                    lastError = "\(error)"
                }
                usleep(200_000)
            } while Date() < deadline
            return .init(member: m.name, hash: nil, compactRevision: nil, error: lastError)
        }
        return (revision, hashes)
    }

    /// Reads each acknowledged write's key at the write's revision (any member, serializable
    /// reads are not used: the cluster is healed and a linearizable read sees everything).
    static func acknowledgedWrites(_ cluster: ChaosCluster, _ writes: [RegisterOperation]) -> [EndOfRunChecks.WriteProbe] {
        writes.map { op in
            var request = Etcdserverpb_RangeRequest()
            request.key = Data(op.key.utf8)
            request.revision = op.revision!
            var lastError = "no member answered"
            for attempt in 0..<(cluster.members.count * 2) {
                let client = cluster.admin[(op.member + attempt) % cluster.members.count]
                do {
                    let r = try client.get(request, timeout: .milliseconds(2000))
                    let kv = r.kvs.first
                    return .init(operation: op, observedValue: kv.map { String(decoding: $0.value, as: UTF8.self) },
                                 observedModRevision: kv?.modRevision)
                } catch {
                    lastError = "\(error)"
                }
            }
            return .init(operation: op, observedValue: nil, observedModRevision: nil, error: lastError)
        }
    }
}
