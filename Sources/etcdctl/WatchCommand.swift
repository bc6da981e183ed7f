import EtcdAPI
import EtcdClient
import Foundation
import Glibc
import Synchronization

/// `watch` (watch_command.go): prints each event as it comes; `-i` reads watch lines from
/// stdin; after `--`, runs a command per event.
enum WatchCommand {
    static func make() -> Command {
        let command = Command(use: "watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
                              short: "Watches events stream on keys or prefixes", run: run)
        command.localFlags = WatchArguments.watchFlags()
        return command
    }

    static func run(_ invocation: Invocation) {
        let environment = ProcessInfo.processInfo.environment
        let envKey = environment["ETCDCTL_WATCH_KEY"] ?? "", envRange = environment["ETCDCTL_WATCH_RANGE_END"] ?? ""
        if envKey.isEmpty && !envRange.isEmpty {
            exitWithError(ExitCode.badArgs, "ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=\(GoFormat.quote(envRange))")
        }
        if invocation.bool("interactive") {
            interactive(invocation, envKey: envKey, envRange: envRange)
        }
        let parsed: WatchArguments
        switch WatchArguments.parse(osArgs: CommandLine.arguments, commandArgs: invocation.arguments, envKey: envKey, envRange: envRange) {
        case .failure(let error): exitWithError(ExitCode.badArgs, error.message)
        case .success(let value): parsed = value
        }
        let (client, printer) = ClientSetup(invocation: invocation).mustClient(watchKeys: true)
        let options = WatchArguments.Options(prefix: invocation.bool("prefix"), revision: invocation.int64("rev"),
                                              prevKV: invocation.bool("prev-kv"))
        let request: Etcdserverpb_WatchCreateRequest
        switch createRequest(parsed.watchArgs, options) {
        case .failure(let error): exitWithError(ExitCode.badArgs, error.message)
        case .success(let value): request = value
        }
        let printerBox = PrinterBox(printer: printer)
        let execArgs = parsed.execArgs
        let _: Bool = client.blocking { connection, finish in
            let watcher = connection.watch(request)
            watcher.onResponse = { response in show(response, printerBox.printer, execArgs) }
            watcher.onEnd = { _ in finish(true) }
        }
        client.close()
        exitWithError(ExitCode.interrupted, "watch is canceled by the server")
    }

    /// getWatchChan: the create request for a key, a range, or a prefix.
    static func createRequest(_ args: [String], _ options: WatchArguments.Options) -> Result<Etcdserverpb_WatchCreateRequest, TxnCommand.InputError> {
        guard let key = args.first else { return .failure(.init(message: WatchArguments.badArgsNum)) }
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = Data(key.utf8)
        request.startRevision = options.revision
        if args.count == 2 {
            if options.prefix { return .failure(.init(message: "`range_end` and `--prefix` are mutually exclusive")) }
            request.rangeEnd = Data(args[1].utf8)
        }
        if options.prefix {
            if key.isEmpty {
                request.key = Data([0])
                request.rangeEnd = Data([0])
            } else {
                request.rangeEnd = KeyPrefix.rangeEnd(request.key)
            }
        }
        request.prevKv = options.prevKV
        return .success(request)
    }

    /// printWatchCh for one response.
    static func show(_ response: Etcdserverpb_WatchResponse, _ printer: Printer, _ execArgs: [String]) {
        // clientv3 delivers neither creations nor cancels other than compaction (those just
        // close the channel).
        if response.created && !response.canceled { return }
        if response.canceled && response.compactRevision == 0 { return }
        if response.canceled {
            Output.err("watch was canceled (\(cancelReason(response)))\n")
        }
        let isProgress = response.events.isEmpty && !response.canceled && !response.created
            && response.compactRevision == 0 && response.header.revision != 0
        if isProgress { Output.out("progress notify: \(response.header.revision)\n") }
        printer.watch(response)
        guard !execArgs.isEmpty else { return }
        for event in response.events {
            let environment = [
                "ETCD_WATCH_REVISION=\(response.header.revision)",
                "ETCD_WATCH_EVENT_TYPE=\(GoFormat.quote(event.type == .delete ? "DELETE" : "PUT"))",
                "ETCD_WATCH_KEY=\(GoFormat.quote(bytes: Array(event.kv.key)))",
                "ETCD_WATCH_VALUE=\(GoFormat.quote(bytes: Array(event.kv.value)))",
            ]
            if let failure = ChildProcess.run(execArgs, extraEnvironment: environment) {
                Output.err("command \(GoFormat.list(execArgs.map { GoFormat.quote($0) })) error (\(failure))\n")
                exit(1)
            }
        }
    }

    /// clientv3's WatchResponse.Err() text.
    static func cancelReason(_ response: Etcdserverpb_WatchResponse) -> String {
        if response.compactRevision != 0 { return "etcdserver: mvcc: required revision has been compacted" }
        if !response.cancelReason.isEmpty {
            let error = EtcdError(code: .failedPrecondition, message: response.cancelReason)
            return error.description
        }
        return "etcdserver: mvcc: required revision is a future revision"
    }

    /// watchInteractiveFunc: one watch per "watch ..." line, "progress" asks for progress.
    static func interactive(_ invocation: Invocation, envKey: String, envRange: String) -> Never {
        let (client, printer) = ClientSetup(invocation: invocation).mustClient(watchKeys: true)
        let printerBox = PrinterBox(printer: printer)
        let reader = LineReader()
        let watchers = WatcherList()
        while true {
            guard var line = reader.readLine(), line.hasSuffix("\n") else {
                exitWithError(ExitCode.invalidInput, "Error reading watch request line: EOF")
            }
            line.removeLast()
            let words = GoScan.argify(line)
            guard let first = words.first else {
                Output.err("Invalid command: \(line) (watch and progress supported)\n")
                continue
            }
            switch first {
            case "watch":
                if words.count < 2 && envKey.isEmpty {
                    Output.err("Invalid command \(line) (command type or key is not provided)\n")
                    continue
                }
                let parsed: (WatchArguments, WatchArguments.Options)
                switch WatchArguments.parseInteractive(words, envKey: envKey, envRange: envRange) {
                case .failure(let error): exitWithError(ExitCode.badArgs, error.message)
                case .success(let value): parsed = value
                }
                let request: Etcdserverpb_WatchCreateRequest
                switch createRequest(parsed.0.watchArgs, parsed.1) {
                case .failure(let error):
                    Output.err("Invalid command \(line) (\(error.message))\n")
                    continue
                case .success(let value): request = value
                }
                let execArgs = parsed.0.execArgs
                client.withConnection { connection in
                    let watcher = connection.watch(request)
                    watcher.onResponse = { response in show(response, printerBox.printer, execArgs) }
                    watchers.add(LoopConfinedWatcher(watcher: watcher))
                }
            case "progress":
                client.withConnection { _ in
                    for watcher in watchers.all() { watcher.watcher.requestProgress() }
                }
            default:
                Output.err("Invalid command \(line) (only support watch)\n")
            }
        }
    }
}

/// A watcher handed between closures that all run on the client's loop thread.
struct LoopConfinedWatcher: @unchecked Sendable {
    let watcher: EtcdWatcher
}

/// The interactive session's watchers (appended and read on the loop thread only).
final class WatcherList: Sendable {
    private let watchers = Mutex<[LoopConfinedWatcher]>([])
    func add(_ watcher: LoopConfinedWatcher) { watchers.withLock { $0.append(watcher) } }
    func all() -> [LoopConfinedWatcher] { watchers.withLock { $0 } }
}
