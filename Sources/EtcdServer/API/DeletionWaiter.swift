import EtcdAPI
import EventLoop
import Foundation
import KVStore

/// Waits until every key under `prefix` created at or before `maxCreateRevision` is deleted:
/// the lock and election queue rule (the oldest key is the owner; a waiter proceeds once all
/// older keys are gone). Like etcd's waitDeletes it repeatedly reads the newest such key and
/// watches it for a delete from the read's revision. Ends once, with the header of the final
/// read, an error, or cancellation. Loop thread only.
final class DeletionWaiter {
    private let kv: LocalKV
    private let prefix: Data
    private let maxCreateRevision: Int64
    private let deadline: UInt64?
    private var completion: LocalKV.Completion<Etcdserverpb_ResponseHeader>?
    private var watcher: Watcher?
    private var timer: LoopTimer?

    static let deadlineExceeded = EtcdError(code: 4, message: "context deadline exceeded")
    static let canceled = EtcdError(code: EtcdError.Code.canceled, message: "context canceled")

    init(kv: LocalKV, prefix: Data, maxCreateRevision: Int64, deadline: UInt64?,
         completion: @escaping LocalKV.Completion<Etcdserverpb_ResponseHeader>) {
        self.kv = kv
        self.prefix = prefix
        self.maxCreateRevision = maxCreateRevision
        self.deadline = deadline
        self.completion = completion
    }

    func start() {
        if let remaining = kv.remaining(deadline) {
            timer = kv.member.loop.schedule(afterMilliseconds: remaining) { self.finish(.failure(Self.deadlineExceeded)) }
        }
        readNewest()
    }

    /// The caller went away: stop waiting (the completion reports cancellation).
    func cancel() { finish(.failure(Self.canceled)) }

    private func readNewest() {
        guard completion != nil else { return }
        let request = LocalKV.byCreation(prefix, ascending: false, maxCreateRevision: maxCreateRevision)
        kv.range(request, deadline: deadline) { result in
            guard self.completion != nil else { return }
            switch result {
            case .failure(let error): self.finish(.failure(error))
            case .success(let response):
                guard let newest = response.kvs.first else { return self.finish(.success(response.header)) }
                self.watchForDelete(newest.key, from: response.header.revision)
            }
        }
    }

    private func watchForDelete(_ key: Data, from revision: Int64) {
        let hub = kv.member.store.watchHub
        watcher = hub.watch(key: key, startRevision: revision) { delivery in
            switch delivery {
            case .compacted:
                self.finish(.failure(.compacted))
            case .events(let events, _):
                guard events.contains(where: { $0.type == .delete }), let current = self.watcher else { return true }
                hub.cancel(current)
                self.watcher = nil
                // Not from inside the store's notification: the next read starts afresh.
                self.kv.member.loop.deferToIterationEnd { self.readNewest() }
            }
            return true
        }
    }

    private func finish(_ result: Result<Etcdserverpb_ResponseHeader, EtcdError>) {
        guard let completion else { return }
        self.completion = nil
        timer?.cancel()
        timer = nil
        if let watcher { kv.member.store.watchHub.cancel(watcher) }
        watcher = nil
        completion(result)
    }
}
