import Dispatch
import EtcdAPI
import EtcdClient
import Foundation
import Synchronization

/// make-mirror (make_mirror_command.go with clientv3/mirror's syncer): copies the keys under a
/// prefix to another cluster as of one revision, then replays every later change, one
/// destination txn per source revision. Prints the number of keys synced every 30 seconds.
enum MakeMirrorCommand {
    static let batchLimit: Int64 = 1000

    static func make() -> Command {
        let command = Command(use: "make-mirror [options] <destination>", short: "Makes a mirror at the destination etcd cluster", run: run)
        command.localFlags = [
            Flag("prefix", kind: .string, defaultValue: "", usage: "Key-value prefix to mirror"),
            Flag("dest-prefix", kind: .string, defaultValue: "", usage: "destination prefix to mirror a prefix to a different prefix in the destination cluster"),
            Flag("no-dest-prefix", kind: .bool, defaultValue: "false", usage: "mirror key-values to the root of the destination cluster"),
            Flag("dest-cert", kind: .string, defaultValue: "", usage: "Identify secure client using this TLS certificate file for the destination cluster"),
            Flag("dest-key", kind: .string, defaultValue: "", usage: "Identify secure client using this TLS key file"),
            Flag("dest-cacert", kind: .string, defaultValue: "", usage: "Verify certificates of TLS enabled secure servers using this CA bundle"),
            Flag("dest-insecure-transport", kind: .bool, defaultValue: "true", usage: "Disable transport security for client connections"),
        ]
        return command
    }

    /// Where a source key goes: the first occurrence of the prefix replaced (strings.Replace).
    struct KeyMapping: Sendable {
        let prefix: String
        let destinationPrefix: String

        func map(_ key: Data) -> Data {
            let text = String(decoding: key, as: UTF8.self)
            guard let range = prefix.isEmpty ? text.startIndex..<text.startIndex : text.range(of: prefix) else { return key }
            return Data(text.replacingCharacters(in: range, with: destinationPrefix).utf8)
        }
    }

    static func run(_ invocation: Invocation) {
        guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "make-mirror takes one destination argument") }
        let setup = ClientSetup(invocation: invocation)
        if ["dest-cert", "dest-key", "dest-cacert"].contains(where: { !invocation.string($0).isEmpty }) || !invocation.bool("dest-insecure-transport") {
            exitWithError(ExitCode.badArgs, "TLS for the destination (--dest-cert, --dest-key, --dest-cacert) is not supported by Keel's etcdctl yet")
        }
        let destination = ClientSetup.connect(setup.clientConfig(endpoints: [invocation.arguments[0]]))
        let (source, _) = setup.mustClient()
        let total = SyncCount()
        let reporter = DispatchSource.makeTimerSource(queue: .global())
        reporter.schedule(deadline: .now() + 30, repeating: 30)
        reporter.setEventHandler { Output.out("\(total.value.load(ordering: .relaxed))\n") }
        reporter.resume()

        let prefix = invocation.string("prefix")
        var probe = Etcdserverpb_RangeRequest()
        probe.key = Data("foo".utf8)
        let revision: Int64
        do { revision = try source.get(probe, timeout: .unlimited).header.revision } catch {
            exitWithError(ExitCode.error, error.description)
        }
        var destinationPrefix = invocation.string("dest-prefix")
        if invocation.bool("no-dest-prefix") && !destinationPrefix.isEmpty {
            exitWithError(ExitCode.badArgs, "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one")
        }
        if !invocation.bool("no-dest-prefix") && destinationPrefix.isEmpty { destinationPrefix = prefix }
        let mapping = KeyMapping(prefix: prefix, destinationPrefix: destinationPrefix)
        do {
            try copyBase(source, destination, prefix: prefix, revision: revision, mapping: mapping, total: total)
        } catch {
            exitWithError(ExitCode.error, asEtcdError(error).description)
        }
        let failure = replayUpdates(source, destination, prefix: prefix, after: revision, mapping: mapping, total: total)
        exitWithError(ExitCode.error, failure.description)
    }

    /// The keys as of `revision`, in batches.
    static func copyBase(_ source: EtcdClient, _ destination: EtcdClient, prefix: String, revision: Int64,
                         mapping: KeyMapping, total: SyncCount) throws(EtcdError) {
        var request = Etcdserverpb_RangeRequest()
        request.key = prefix.isEmpty ? Data([0]) : Data(prefix.utf8)
        request.rangeEnd = KeyPrefix.rangeEnd(Data(prefix.utf8))
        request.limit = batchLimit
        request.revision = revision
        while true {
            let response = try source.get(request, timeout: .unlimited)
            for kv in response.kvs {
                var put = Etcdserverpb_PutRequest()
                put.key = mapping.map(kv.key)
                put.value = kv.value
                _ = try destination.put(put, timeout: .unlimited)
                total.value.add(1, ordering: .relaxed)
            }
            guard response.more, let last = response.kvs.last else { return }
            request.key = last.key + Data([0])
        }
    }

    /// Watches from `after + 1` and applies each source revision as one destination txn.
    static func replayUpdates(_ source: EtcdClient, _ destination: EtcdClient, prefix: String, after revision: Int64,
                              mapping: KeyMapping, total: SyncCount) -> EtcdError {
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = prefix.isEmpty ? Data([0]) : Data(prefix.utf8)
        request.rangeEnd = KeyPrefix.rangeEnd(Data(prefix.utf8))
        request.startRevision = revision + 1
        let create = request
        return source.blocking { connection, finish in
            let watcher = connection.watch(create)
            watcher.onResponse = { [unowned watcher] response in
                if response.compactRevision != 0 {
                    finish(EtcdError(code: .outOfRange, message: "etcdserver: mvcc: required revision has been compacted"))
                    return watcher.cancel()
                }
                if let error = apply(response.events, to: destination, mapping: mapping, total: total) {
                    finish(error)
                    watcher.cancel()
                }
            }
            watcher.onEnd = { error in finish(error ?? EtcdError(code: .unknown, message: "<nil>")) }
        }
    }

    private static func apply(_ events: [Mvccpb_Event], to destination: EtcdClient, mapping: KeyMapping, total: SyncCount) -> EtcdError? {
        var txn = Etcdserverpb_TxnRequest()
        var lastRevision: Int64 = 0
        func commit() -> EtcdError? {
            defer { txn.success = [] }
            guard !txn.success.isEmpty else { return nil }
            do { _ = try destination.txn(txn, timeout: .unlimited) } catch { return error }
            return nil
        }
        for event in events {
            if lastRevision != 0 && event.kv.modRevision > lastRevision, let error = commit() { return error }
            lastRevision = event.kv.modRevision
            var op = Etcdserverpb_RequestOp()
            if event.type == .put {
                op.requestPut.key = mapping.map(event.kv.key)
                op.requestPut.value = event.kv.value
            } else {
                op.requestDeleteRange.key = mapping.map(event.kv.key)
            }
            txn.success.append(op)
            total.value.add(1, ordering: .relaxed)
        }
        return commit()
    }
}

/// Keys synced so far, read by the 30-second reporter.
final class SyncCount: Sendable {
    let value = Atomic<Int64>(0)
}
