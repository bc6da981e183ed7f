import EtcdAPI
import Foundation
import GRPC
import KVStore

/// One Observe stream: sends the current leader (waiting for a first candidate if there is
/// none), then each new value the leader proclaims, and moves on to the next leader when the
/// leader's key is deleted (concurrency.Election's observe loop). A failure ends the stream
/// quietly, as etcd's does. Loop thread only.
final class ElectionObserver {
    private let kv: LocalKV
    private let prefix: Data
    private let stream: any ResponseStream<V3electionpb_LeaderResponse>
    private var watcher: Watcher?
    private var stopped = false

    init(kv: LocalKV, prefix: Data, stream: any ResponseStream<V3electionpb_LeaderResponse>) {
        self.kv = kv
        self.prefix = prefix
        self.stream = stream
    }

    func start() { findLeader() }

    func stop() {
        guard !stopped else { return }
        stopped = true
        cancelWatch()
    }

    private var hub: WatchHub { kv.member.store.watchHub }

    private func findLeader() {
        guard !stopped else { return }
        kv.range(LocalKV.byCreation(prefix, ascending: true), deadline: nil) { result in
            guard !self.stopped else { return }
            switch result {
            case .failure: self.end()
            case .success(let response):
                if let leader = response.kvs.first {
                    self.announce(header: response.header, leader)
                } else {
                    self.awaitCandidate(from: response.header.revision)
                }
            }
        }
    }

    /// No leader yet: the first key put under the prefix is the new leader.
    private func awaitCandidate(from revision: Int64) {
        watcher = hub.watch(key: prefix, rangeEnd: KeyPrefix.rangeEnd(prefix), startRevision: revision) { delivery in
            guard case .events(let events, _) = delivery else {
                self.end()
                return true
            }
            guard let put = events.first(where: { $0.type == .put }) else { return true }
            self.cancelWatch()
            self.announce(header: self.kv.member.header(revision: put.kv.modRevision), put.kv)
            return true
        }
    }

    private func announce(header: Etcdserverpb_ResponseHeader, _ leader: Mvccpb_KeyValue) {
        guard send(header, leader) else { return }
        followLeader(leader.key, from: header.revision + 1)
    }

    /// Relays the leader's proclamations until its key is deleted, then looks for the next one.
    private func followLeader(_ key: Data, from revision: Int64) {
        watcher = hub.watch(key: key, startRevision: revision) { delivery in
            guard case .events(let events, let revision) = delivery else {
                self.end()
                return true
            }
            for event in events {
                if event.type == .delete {
                    self.cancelWatch()
                    self.kv.member.loop.deferToIterationEnd { self.findLeader() }
                    return true
                }
                guard self.send(self.kv.member.header(revision: revision), event.kv) else { return true }
            }
            return true
        }
    }

    private func send(_ header: Etcdserverpb_ResponseHeader, _ leader: Mvccpb_KeyValue) -> Bool {
        guard !stopped, !stream.isClosed else {
            stop()
            return false
        }
        var response = V3electionpb_LeaderResponse()
        response.header = header
        response.kv = leader
        guard stream.send(response) else {
            // A reader that does not keep up loses the stream rather than the server's memory.
            stream.finish(GRPCStatus(code: .resourceExhausted, message: "election observer is too slow"))
            stop()
            return false
        }
        return true
    }

    private func end() {
        stop()
        stream.finish(GRPCStatus(code: .ok, message: ""))
    }

    private func cancelWatch() {
        if let watcher { hub.cancel(watcher) }
        watcher = nil
    }
}
