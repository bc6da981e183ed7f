import ChaosCheckers
import EtcdAPI
import EtcdClient
import Foundation
import Synchronization

/// Reads the store's history under a prefix with one watch from `startRevision` (1: all of it;
/// prev_kv on), until the watch reaches `untilRevision` or `seconds` pass.
enum StoreHistoryReader {
    static func read(_ client: EtcdClient, prefix: String, from startRevision: Int64 = 1, untilRevision: Int64,
                     seconds: Double) -> (events: [StoreEvent], error: String?) {
        var request = Etcdserverpb_WatchCreateRequest()
        request.key = Data(prefix.utf8)
        request.rangeEnd = Data(prefixEnd(prefix).utf8)
        request.startRevision = startRevision
        request.prevKv = true
        let watchRequest = request
        let collected = Mutex<[StoreEvent]>([])
        let timeoutMs = UInt64(seconds * 1000)
        let outcome: String? = client.blocking { connection, finish in
            let watcher = connection.watch(watchRequest)
            var done = false
            let end: (String?) -> Void = { error in
                guard !done else { return }
                done = true
                watcher.cancel()
                finish(error)
            }
            watcher.onResponse = { response in
                let events = response.events.map(Self.event)
                collected.withLock { $0 += events }
                if let last = events.last, last.modRevision >= untilRevision { end(nil) }
                if response.canceled { end("watch canceled: \(response.cancelReason)") }
            }
            watcher.onEnd = { error in end(error.map { "\($0)" } ?? "watch ended") }
            connection.loop.schedule(afterMilliseconds: timeoutMs) { end("timed out after \(seconds)s") }
        }
        return (collected.withLock { $0 }, outcome)
    }

    static func event(_ e: Mvccpb_Event) -> StoreEvent {
        let isDelete = e.type == .delete
        return StoreEvent(key: String(decoding: e.kv.key, as: UTF8.self), isDelete: isDelete,
                          value: isDelete ? nil : String(decoding: e.kv.value, as: UTF8.self),
                          modRevision: e.kv.modRevision,
                          previousValue: e.hasPrevKv ? String(decoding: e.prevKv.value, as: UTF8.self) : nil)
    }

    /// The range end that covers every key with `prefix` (the prefix with its last byte + 1).
    static func prefixEnd(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        bytes[bytes.count - 1] += 1
        return String(decoding: bytes, as: UTF8.self)
    }
}
