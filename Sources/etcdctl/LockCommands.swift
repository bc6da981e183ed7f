import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// lock and elect (lock_command.go, elect_command.go): clientv3/concurrency recipes over a
/// session lease, printing the held key with the chosen output format.
enum LockCommands {
    static func lock() -> Command {
        let command = Command(use: "lock <lockname> [exec-command arg1 arg2 ...]", short: "Acquires a named lock", run: runLock)
        command.localFlags = [Flag("ttl", kind: .int64, defaultValue: "10", usage: "timeout for session")]
        return command
    }

    static func elect() -> Command {
        let command = Command(use: "elect <election-name> [proposal]", short: "Observes and participates in leader election", run: runElect)
        command.localFlags = [Flag("listen", shorthand: "l", kind: .bool, defaultValue: "false", usage: "observation mode")]
        return command
    }

    static func runLock(_ invocation: Invocation) {
        guard let name = invocation.arguments.first else {
            exitWithError(ExitCode.badArgs, "lock takes a lock name argument and an optional command to execute")
        }
        let (client, printer) = ClientSetup(invocation: invocation).mustClient()
        let session = mustSession(client, ttlSeconds: invocation.int64("ttl"))
        let mutex = EtcdMutex(client: client, session: session, name: name)
        Interruption.install()
        // Interrupted while waiting: leave the queue, and fail as the canceled context does.
        Interruption.onSignal {
            try? mutex.unlock()
            exitWithError(ExitCode.error, "context canceled")
        }
        let header: Etcdserverpb_ResponseHeader
        do { header = try mutex.lock() } catch { exitWithError(ExitCode.error, asEtcdError(error).description) }
        let command = Array(invocation.arguments.dropFirst())
        if !command.isEmpty {
            Interruption.onSignal(nil)
            let failure = ChildProcess.run(command, extraEnvironment: ["ETCD_LOCK_KEY=\(mutex.key)", "ETCD_LOCK_REV=\(header.revision)"])
            let unlockError: EtcdError?
            do { try mutex.unlock(); unlockError = nil } catch { unlockError = error }
            if let failure { exitWithError(ExitCode.error, failure) }
            if let unlockError { exitWithError(ExitCode.error, unlockError.description) }
            exit(0)
        }
        printHeld(client, key: mutex.key, printer, lostMessage: "lock lost on init")
        Interruption.onSignal {
            do { try mutex.unlock() } catch { exitWithError(ExitCode.error, asEtcdError(error).description) }
            exit(0)
        }
        session.wait()
        exitWithError(ExitCode.error, "session expired")
    }

    static func runElect(_ invocation: Invocation) {
        let arguments = invocation.arguments
        guard arguments.count == 1 || arguments.count == 2 else {
            exitWithError(ExitCode.badArgs, "elect takes one election name argument and an optional proposal argument")
        }
        let (client, printer) = ClientSetup(invocation: invocation).mustClient()
        let listen = invocation.bool("listen")
        if arguments.count == 1 && !listen { exitWithError(ExitCode.badArgs, "no proposal argument but -l not set") }
        if arguments.count == 2 && listen { exitWithError(ExitCode.badArgs, "proposal given but -l is set") }
        let session = mustSession(client, ttlSeconds: 60)
        Interruption.install()
        if listen { observe(client, name: arguments[0], printer) }
        campaign(client, session, name: arguments[0], proposal: arguments[1], printer)
    }

    private static func observe(_ client: EtcdClient, name: String, _ printer: Printer) -> Never {
        Interruption.onSignal { exit(0) }
        let box = PrinterBox(printer: printer)
        let error = EtcdElection.observe(client, name: name) { response in box.printer.get(response) }
        exitWithError(ExitCode.error, error.message == "elect: observer lost" ? error.message : asEtcdError(error).description)
    }

    private static func campaign(_ client: EtcdClient, _ session: EtcdSession, name: String, proposal: String, _ printer: Printer) -> Never {
        let election = EtcdElection(client: client, session: session, name: name)
        let queuedRevision = RevisionBox()
        Interruption.onSignal {
            // Interrupted while campaigning: withdraw, and fail as the canceled context does.
            if let revision = queuedRevision.value { try? election.resign(revision: revision) }
            exitWithError(ExitCode.error, "context canceled")
        }
        let revision: Int64
        do { revision = try election.campaign(proposal, onQueued: { queuedRevision.value = $0 }) } catch {
            exitWithError(ExitCode.error, asEtcdError(error).description)
        }
        printHeld(client, key: election.key, printer, lostMessage: nil)
        Interruption.onSignal {
            do { try election.resign(revision: revision) } catch { exitWithError(ExitCode.error, asEtcdError(error).description) }
            exit(0)
        }
        session.wait()
        exitWithError(ExitCode.error, "elect: session expired")
    }

    private static func mustSession(_ client: EtcdClient, ttlSeconds: Int64) -> EtcdSession {
        do { return try EtcdSession(client: client, ttlSeconds: ttlSeconds) } catch {
            exitWithError(ExitCode.error, asEtcdError(error).description)
        }
    }

    /// Reads the held key back and prints it, as etcdctl does once it holds the lock/leadership.
    private static func printHeld(_ client: EtcdClient, key: String, _ printer: Printer, lostMessage: String?) {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(key.utf8)
        let response: Etcdserverpb_RangeResponse
        do { response = try client.get(request, timeout: .unlimited) } catch { exitWithError(ExitCode.error, asEtcdError(error).description) }
        if let lostMessage, response.kvs.isEmpty { exitWithError(ExitCode.error, lostMessage) }
        printer.get(response)
    }
}

/// The campaign's revision, set by the main thread and read by the signal handler.
final class RevisionBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int64?
    var value: Int64? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
