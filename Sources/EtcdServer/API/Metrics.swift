import GRPC

/// Prometheus text exposition of the member's state, under etcd's metric names where the
/// meaning is the same.
struct Metrics {
    let grpc: GRPCServer

    func render(_ member: EtcdMember) -> String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ value: some Numeric & CustomStringConvertible) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n"
        }
        func counter(_ name: String, _ help: String, _ value: some Numeric & CustomStringConvertible) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name) \(value)\n"
        }
        gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", member.leader == .none ? 0 : 1)
        gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", member.isLeader ? 1 : 0)
        gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.", member.commitIndex.rawValue)
        gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", member.appliedIndex.rawValue)
        gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.", member.pendingProposals)
        counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.", member.metrics.proposalsFailed)
        counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.", member.metrics.leaderChanges)
        // etcd labels these per peer; Keel counts per member.
        counter("etcd_network_snapshot_send_success", "Total number of successful snapshot sends", member.metrics.snapshotsSent)
        counter("etcd_network_snapshot_receive_success", "Total number of successful snapshot receives", member.metrics.snapshotsReceived)
        counter("keel_server_snapshots_applied_total", "Snapshots from the leader installed in the backend.", member.metrics.snapshotsApplied)
        gauge("etcd_server_term", "The current term of the member.", member.term.rawValue)
        gauge("etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.", member.store.dbSizeBytes)
        gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.", member.store.dbSizeInUseBytes)
        gauge("etcd_debugging_mvcc_current_revision", "The current revision of store.", member.store.currentRevision)
        gauge("etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.", member.store.compactedRevision)
        gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", member.store.keyCount)
        out += member.metrics.walFsync.render(name: "etcd_disk_wal_fsync_duration_seconds",
                                              help: "The latency distributions of fsync called by WAL.")
        out += member.metrics.backendCommit.render(name: "etcd_disk_backend_commit_duration_seconds",
                                                   help: "The latency distributions of commit called by backend.")
        out += "# HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or failure.\n"
        out += "# TYPE grpc_server_handled_total counter\n"
        for (call, count) in grpc.handledCounts.sorted(by: { ($0.key.path, $0.key.code.rawValue) < ($1.key.path, $1.key.code.rawValue) }) {
            let (service, method) = Self.split(call.path)
            out += "grpc_server_handled_total{grpc_code=\"\(call.code)\",grpc_method=\"\(method)\","
                + "grpc_service=\"\(service)\",grpc_type=\"\(call.isStreaming ? "bidi_stream" : "unary")\"} \(count)\n"
        }
        gauge("etcd_server_version", "Which version is running. 1 for 'server_version' label with current version.", 1)
        out += ProcessMetrics.render()
        return out
    }

    private static func split(_ path: String) -> (service: String, method: String) {
        let parts = path.split(separator: "/")
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : (path, "")
    }
}
