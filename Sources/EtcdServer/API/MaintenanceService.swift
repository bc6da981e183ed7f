import EtcdAPI
import Foundation
import GRPC
import KVStore
import Raft

/// The etcd version Keel is wire-compatible with, as clients see it.
public enum EtcdVersion {
    public static let server = "3.4.23"
    public static let cluster = "3.4.0"
    public static let clusterMajorMinor = "3.4"
}

/// etcdserverpb.Maintenance: Status, Alarm, Defragment, Hash, HashKV, Snapshot.
struct MaintenanceService {
    let member: EtcdMember

    func register(on server: ServiceRegistry) {
        let opening = server.opening
        server.unary("/etcdserverpb.Maintenance/Status", gateway: ["/v3/maintenance/status"]) { (_: Etcdserverpb_StatusRequest, call: Reply<Etcdserverpb_StatusResponse>) in
            call.respond(status())
        }
        server.unary("/etcdserverpb.Maintenance/Alarm", gateway: ["/v3/maintenance/alarm"]) { (r: Etcdserverpb_AlarmRequest, call: Reply<Etcdserverpb_AlarmResponse>) in
            var request = Etcdserverpb_InternalRaftRequest()
            request.alarm = r
            member.proposeAndRespond(request, call, fillHeader: false) { if case .alarm(let response) = $0 { return response }; return nil }
        }
        server.unary("/etcdserverpb.Maintenance/Defragment", gateway: ["/v3/maintenance/defragment"]) { (_: Etcdserverpb_DefragmentRequest, call: Reply<Etcdserverpb_DefragmentResponse>) in
            do throws(EtcdError) { try member.checkAdmin(call.metadata) } catch { return call.fail(error.status) }
            do {
                member.outgoingSnapshots.waitForCopies()  // a snapshot copy reads the file being rewritten
                try member.store.defragment()
                var response = Etcdserverpb_DefragmentResponse()
                response.header = member.header()
                call.respond(response)
            } catch {
                call.fail(GRPCStatus(code: .unknown, message: "\(error)"))
            }
        }
        server.unary("/etcdserverpb.Maintenance/Hash", gateway: ["/v3/maintenance/hash"]) { (_: Etcdserverpb_HashRequest, call: Reply<Etcdserverpb_HashResponse>) in
            do throws(EtcdError) { try member.checkAdmin(call.metadata) } catch { return call.fail(error.status) }
            var response = Etcdserverpb_HashResponse()
            response.header = member.header()
            response.hash = member.store.hash()
            call.respond(response)
        }
        server.unary("/etcdserverpb.Maintenance/HashKV") { (r: Etcdserverpb_HashKVRequest, call: Reply<Etcdserverpb_HashKVResponse>) in
            do throws(EtcdError) {
                try member.checkAdmin(call.metadata)
                let result = try member.store.hashKV(revision: r.revision)
                var response = Etcdserverpb_HashKVResponse()
                response.header = member.header(revision: result.revision)
                response.hash = result.hash
                response.compactRevision = result.compactRevision
                call.respond(response)
            } catch {
                call.fail(error.status)
            }
        }
        server.stream("/etcdserverpb.Maintenance/Snapshot", gateway: "/v3/maintenance/snapshot") {
            (stream: any ResponseStream<Etcdserverpb_SnapshotResponse>) in
            let metadata = opening.headers
            return StreamHandlers(onMessage: { (_: Etcdserverpb_SnapshotRequest) in
                do throws(EtcdError) { try member.checkAdmin(metadata) } catch { return stream.finish(error.status) }
                sendSnapshot(stream)
            }, onClose: {})
        }
        server.unary("/etcdserverpb.Maintenance/MoveLeader", gateway: ["/v3/maintenance/transfer-leadership"]) { (r: Etcdserverpb_MoveLeaderRequest, call: Reply<Etcdserverpb_MoveLeaderResponse>) in
            // etcd answers with an empty response (no header).
            member.moveLeader(to: NodeID(rawValue: r.targetID), timeoutMilliseconds: call.remainingMilliseconds(now: member.loop.nowMilliseconds)) { result in
                switch result {
                case .success: call.respond(Etcdserverpb_MoveLeaderResponse())
                case .failure(let error): call.fail(error.status)
                }
            }
        }
    }

    private func status() -> Etcdserverpb_StatusResponse {
        var response = Etcdserverpb_StatusResponse()
        response.header = member.header()
        response.version = EtcdVersion.server
        response.dbSize = member.store.dbSizeBytes
        response.dbSizeInUse = member.store.dbSizeInUseBytes
        response.leader = member.leader.rawValue
        response.raftIndex = member.commitIndex.rawValue
        response.raftTerm = member.term.rawValue
        response.raftAppliedIndex = member.appliedIndex.rawValue
        response.isLearner = member.members[member.memberID]?.isLearner ?? false
        // etcd lists "no leader" first, then each alarm in protobuf text form.
        response.errors = (member.leader == .none ? [EtcdError.noLeader.message] : [])
            + member.store.activeAlarms.map { "memberID:\($0.memberID) alarm:\($0) " }
        return response
    }

    /// Streams a consistent copy of the backend in 32 KiB chunks read from a copy on disk (never
    /// the whole file in memory), with the bytes left in each, followed by the SHA-256 of the
    /// copy (etcd's integrity trailer, checked by `etcdctl`).
    private func sendSnapshot(_ stream: any ResponseStream<Etcdserverpb_SnapshotResponse>) {
        let path = member.options.snapDirectory + "/snapshot-\(member.loop.nowMilliseconds).tmp"
        let file: FileHandle
        let totalBytes: UInt64
        do {
            try member.store.writeSnapshot(to: path)
            // The open handle keeps the copy alive; nothing is left behind if the stream dies.
            defer { try? FileManager.default.removeItem(atPath: path) }
            file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            totalBytes = try file.seekToEnd() + UInt64(SHA256.digestBytes)
            try file.seek(toOffset: 0)
        } catch {
            return stream.finish(GRPCStatus(code: .internalError, message: "\(error)"))
        }
        var digest = SHA256()
        var sent: UInt64 = 0
        var pending: Data?  // a chunk the full stream did not take yet
        func pump() {
            while sent < totalBytes {
                if pending == nil {
                    let blob = file.readData(ofLength: 32 * 1024)
                    if blob.isEmpty {
                        pending = Data(digest.finish())
                    } else {
                        digest.update(blob)
                        pending = blob
                    }
                }
                var chunk = Etcdserverpb_SnapshotResponse()
                chunk.header = member.header()
                chunk.blob = pending!
                chunk.remainingBytes = totalBytes - sent - UInt64(chunk.blob.count)
                guard stream.send(chunk) else { return }  // resumes from onWritable
                sent += UInt64(chunk.blob.count)
                pending = nil
            }
            try? file.close()
            stream.onWritable = nil
            stream.finish(GRPCStatus(code: .ok, message: ""))
        }
        stream.onWritable = { pump() }
        pump()
    }
}
