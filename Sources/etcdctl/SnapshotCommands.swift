import EtcdClient
import Foundation
import Glibc
import Synchronization

/// snapshot save (snapshot_command.go and clientv3/snapshot's Save, with its zap log lines).
enum SnapshotCommands {
    static func make() -> Command {
        let snapshot = Command(use: "snapshot <subcommand>", short: "Manages etcd node snapshots")
        let save = Command(use: "save <filename>", short: "Stores an etcd node backend snapshot to a given file", run: save)
        snapshot.add(
            save, SnapshotFileCommands.restore(), SnapshotFileCommands.status())
        return snapshot
    }

    static func log(_ caller: String, _ message: String, _ fields: String = "", iso: Bool = false) {
        let time = iso ? "\"\(ZapTime.iso8601())\"" : ZapTime.epoch()
        Output.err("{\"level\":\"info\",\"ts\":\(time),\"caller\":\"\(caller)\",\"msg\":\"\(message)\"\(fields)}\n")
    }

    static func save(_ invocation: Invocation) {
        guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "snapshot save expects one argument") }
        let setup = ClientSetup(invocation: invocation)
        let (config, _) = setup.configure()
        let path = invocation.arguments[0]
        let endpoints = setup.endpointTexts
        guard endpoints.count == 1 else {
            exitWithError(ExitCode.interrupted, "snapshot must be requested to one selected node, not multiple \(GoFormat.list(endpoints))")
        }
        // Without an explicit --command-timeout, a snapshot may take as long as it needs.
        let timeout: UInt64? = invocation.flag("command-timeout").changed ? setup.commandTimeoutMilliseconds : nil
        let client = ClientSetup.connect(config)
        let partPath = path + ".part"
        let descriptor = open(partPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            exitWithError(ExitCode.interrupted, "could not open \(partPath) (open \(partPath): \(goErrno(errno)))")
        }
        log("snapshot/v3_snapshot.go:119", "created temporary db file", ",\"path\":\(GoFormat.jsonString(partPath))")
        let start = DispatchTime.now().uptimeNanoseconds
        let written = Mutex<Int>(0)
        let fd = descriptor
        let error: EtcdError? = client.blocking { connection, finish in
            var opened = false
            connection.snapshot(timeoutMilliseconds: timeout, onChunk: { chunk in
                if !opened {
                    opened = true
                    log("clientv3/maintenance.go:200", "opened snapshot stream; downloading", iso: true)
                    log("snapshot/v3_snapshot.go:127", "fetching snapshot", ",\"endpoint\":\(GoFormat.jsonString(endpoints[0]))")
                }
                chunk.withUnsafeBytes { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
                written.withLock { $0 += chunk.count }
            }, completion: { error in
                if error == nil { log("clientv3/maintenance.go:208", "completed snapshot read; closing", iso: true) }
                finish(error)
            })
        }
        if let error {
            close(descriptor)
            unlink(partPath)
            exitWithError(ExitCode.interrupted, ClientSetup.report(error, endpoints: endpoints, unary: false))
        }
        let size = written.withLock { $0 }
        // etcd appends a sha256 so the size is 32 past a multiple of 512.
        guard size % 512 == 32 else {
            close(descriptor)
            unlink(partPath)
            exitWithError(ExitCode.interrupted, "sha256 checksum not found [bytes: \(size)]")
        }
        fsync(descriptor)
        close(descriptor)
        let took = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        log("snapshot/v3_snapshot.go:142", "fetched snapshot",
            ",\"endpoint\":\(GoFormat.jsonString(endpoints[0])),\"size\":\"\(GoFormat.humanBytes(UInt64(size)))\",\"took\":\(took)")
        if rename(partPath, path) != 0 {
            exitWithError(ExitCode.interrupted, "could not rename \(partPath) to \(path) (rename \(partPath) \(path): \(goErrno(errno)))")
        }
        log("snapshot/v3_snapshot.go:152", "saved", ",\"path\":\(GoFormat.jsonString(path))")
        Output.out("Snapshot saved at \(path)\n")
    }
}

/// Go's text for an errno (syscall.Errno.Error): strerror with a lower-case first letter.
func goErrno(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
}
