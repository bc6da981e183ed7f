import EtcdClient
import EtcdServer
import Foundation
import Glibc
import KVStore

/// snapshot status and snapshot restore: work on a snapshot file, no server involved.
enum SnapshotFileCommands {
    static func status() -> Command {
        Command(use: "status <filename>", short: "Gets backend snapshot status of a given file", long: """
When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.
The items in the lists are hash, revision, total keys, total size.

""", run: runStatus)
    }

    static func restore() -> Command {
        let command = Command(use: "restore <filename> [options]", short: "Restores an etcd member snapshot to an etcd directory", run: runRestore)
        command.localFlags = [
            Flag("data-dir", kind: .string, defaultValue: "", usage: "Path to the data directory"),
            Flag("wal-dir", kind: .string, defaultValue: "", usage: "Path to the WAL directory (use --data-dir if none given)"),
            Flag("initial-cluster", kind: .string, defaultValue: "default=http://localhost:2380", usage: "Initial cluster configuration for restore bootstrap"),
            Flag("initial-cluster-token", kind: .string, defaultValue: "etcd-cluster", usage: "Initial cluster token for the etcd cluster during restore bootstrap"),
            Flag("initial-advertise-peer-urls", kind: .string, defaultValue: "http://localhost:2380", usage: "List of this member's peer URLs to advertise to the rest of the cluster"),
            Flag("name", kind: .string, defaultValue: "default", usage: "Human-readable name for this member"),
            Flag("skip-hash-check", kind: .bool, defaultValue: "false", usage: "Ignore snapshot integrity hash value (required if copied from data directory)"),
        ]
        return command
    }

    static func runStatus(_ invocation: Invocation) {
        guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "snapshot status requires exactly one argument") }
        let format = ClientSetup(invocation: invocation).display()
        let status: SnapshotFile.Status
        do { status = try SnapshotFile.status(path: invocation.arguments[0]) } catch { exitWithError(ExitCode.error, error.message) }
        show(status, format: invocation.string("write-out"), printer: format)
    }

    /// Printer.DBStatus of each format.
    static func show(_ status: SnapshotFile.Status, format: String, printer: Printer) {
        let row = [String(status.hash, radix: 16), "\(status.revision)", "\(status.totalKey)", GoFormat.humanBytes(UInt64(status.totalSize))]
        switch format {
        case "simple": Output.out(row.joined(separator: ", ") + "\n")
        case "table": Output.out(TablePrinter.render(header: ["hash", "revision", "total keys", "total size"], rows: [row]))
        case "json": Output.out("{\"hash\":\(status.hash),\"revision\":\(status.revision),\"totalKey\":\(status.totalKey),\"totalSize\":\(status.totalSize)}\n")
        case "fields":
            Output.out("\"Hash\" : \(status.hash)\n\"Revision\" : \(status.revision)\n\"Keys\" : \(status.totalKey)\n\"Size\" : \(status.totalSize)\n")
        default: exitWithError(ExitCode.badFeature, "\(format) not supported as output format")
        }
    }

    static func runRestore(_ invocation: Invocation) {
        guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "snapshot restore requires exactly one argument") }
        let name = invocation.string("name")
        let dataDirectory = invocation.string("data-dir").isEmpty ? name + ".etcd" : invocation.string("data-dir")
        let walFlag = invocation.string("wal-dir")
        let cluster: [(name: String, peerURLs: [String])]
        switch parseCluster(invocation.string("initial-cluster")) {
        case .failure(let message): exitWithError(ExitCode.error, message.text)
        case .success(let value): cluster = value
        }
        let restore = SnapshotRestore(
            snapshotPath: invocation.arguments[0], name: name, dataDirectory: dataDirectory, walDirectory: walFlag.isEmpty ? nil : walFlag,
            initialCluster: cluster, initialClusterToken: invocation.string("initial-cluster-token"),
            advertisePeerURLs: invocation.string("initial-advertise-peer-urls").split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            skipHashCheck: invocation.bool("skip-hash-check"))
        let fields = ",\"path\":\(GoFormat.jsonString(restore.snapshotPath)),\"wal-dir\":\(GoFormat.jsonString(restore.resolvedWALDirectory)),\"data-dir\":\(GoFormat.jsonString(dataDirectory)),\"snap-dir\":\(GoFormat.jsonString(restore.snapDirectory))"
        do { try restore.validate() } catch { exitWithError(ExitCode.error, "\(error)") }
        SnapshotCommands.log("snapshot/v3_snapshot.go:296", "restoring snapshot", fields)
        do { try restore.run() } catch { exitWithError(ExitCode.error, "\(error)") }
        let clusterID = String(restore.clusterID, radix: 16)
        for member in restore.members {
            let urls = member.peerURLs.map { GoFormat.jsonString($0) }.joined(separator: ",")
            SnapshotCommands.log("membership/cluster.go:392", "added member",
                                 ",\"cluster-id\":\"\(clusterID)\",\"local-member-id\":\"0\",\"added-peer-id\":\"\(String(member.id.rawValue, radix: 16))\",\"added-peer-peer-urls\":[\(urls)]")
        }
        SnapshotCommands.log("snapshot/v3_snapshot.go:309", "restored snapshot", fields)
    }

    struct Message: Error { let text: String }

    /// types.NewURLsMap: "name=url,name=url", a name may repeat for several URLs.
    static func parseCluster(_ text: String) -> Result<[(name: String, peerURLs: [String])], Message> {
        var cluster: [(name: String, peerURLs: [String])] = []
        for entry in text.split(separator: ",") {
            guard let equals = entry.firstIndex(of: "=") else {
                return .failure(Message(text: "URL scheme must be http, https, unix, or unixs: "))
            }
            let name = String(entry[..<equals]), url = String(entry[entry.index(after: equals)...])
            guard ["http://", "https://", "unix://", "unixs://"].contains(where: { url.hasPrefix($0) }) else {
                return .failure(Message(text: "URL scheme must be http, https, unix, or unixs: \(url)"))
            }
            if let index = cluster.firstIndex(where: { $0.name == name }) {
                cluster[index].peerURLs.append(url)
            } else {
                cluster.append((name, [url]))
            }
        }
        return .success(cluster)
    }
}
