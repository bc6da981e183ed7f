import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// etcd's `watch-get`: puts `--events` revisions of "watchkey", then `--watchers` watches (over
/// `--streams` streams) replay them from the first revision while one client keeps issuing
/// serializable Gets of "abc"; the summary is the Get latency while the watchers catch up.
final class WatchGetBenchmark {
    let loop: EventLoop
    let connections: [EtcdConnection]
    let getConnection: EtcdConnection
    let watchers: Int
    let streamCount: Int
    let events: Int
    /// Bound on the whole catch-up, so a lost event cannot hang the run.
    static let timeoutMilliseconds: UInt64 = 120_000
    static let watchKey = Data("watchkey".utf8)

    private var result = RunResult()
    private var streams: [WatchStream] = []
    private var caughtUp = 0
    private var startNanoseconds: UInt64 = 0
    private var done = false
    private let progress: ProgressBar?

    init(loop: EventLoop, config: EtcdClientConfig, conns: Int, watchers: Int, streams: Int, events: Int, progress: ProgressBar?) {
        self.loop = loop
        connections = makeConnections(conns, loop: loop, config: config)
        getConnection = EtcdConnection(loop: loop, config: config)
        self.watchers = watchers
        streamCount = streams
        self.events = events
        self.progress = progress
    }

    func run() -> RunResult {
        connectAll(connections + [getConnection]) { [self] in putEvents(0, firstRevision: 0) }
        loop.run()
        result.elapsedNanoseconds = monotonicNanoseconds() - startNanoseconds
        return result
    }

    private func putEvents(_ i: Int, firstRevision: Int64) {
        guard i < events else { openStreams(from: firstRevision); return }
        var request = Etcdserverpb_PutRequest()
        request.key = WatchGetBenchmark.watchKey
        request.value = Data(String(i).utf8)
        connections[0].call(EtcdRPCs.put, request, timeout: .unlimited) { [self] outcome in
            switch outcome {
            case .failure(let error): fatalBenchmarkError(error.description)
            case .success(let response): putEvents(i + 1, firstRevision: i == 0 ? response.header.revision : firstRevision)
            }
        }
    }

    private func openStreams(from revision: Int64) {
        startNanoseconds = monotonicNanoseconds()
        _ = loop.schedule(afterMilliseconds: WatchGetBenchmark.timeoutMilliseconds) { [self] in
            guard !done else { return }
            result.recordError("watchers did not catch up within \(WatchGetBenchmark.timeoutMilliseconds / 1000)s")
            finish()
        }
        var getting = false
        for s in 0..<streamCount {
            WatchStream.open(on: connections[s % connections.count]) { [self] opened in
                guard case .success(let stream) = opened else { fatalBenchmarkError("cannot open watch stream") }
                stream.onFailure = { [self] in if !done { fatalBenchmarkError($0) } }
                streams.append(stream)
                // Stream s carries watchers s, s+streams, s+2*streams, ...
                for _ in stride(from: s, to: watchers, by: streamCount) {
                    var create = Etcdserverpb_WatchCreateRequest()
                    create.key = WatchGetBenchmark.watchKey
                    create.startRevision = revision
                    var seen = 0
                    stream.watch(create, onCreated: { [self] in
                        // The Gets start with the first watch, as in etcd.
                        if !getting { getting = true; get() }
                    }, onEvents: { [self] batch in
                        let before = seen
                        seen += batch.count
                        if before < events && seen >= events { watcherCaughtUp() }
                    })
                }
            }
        }
    }

    private func get() {
        guard !done else { return }
        var request = Etcdserverpb_RangeRequest()
        request.key = Data("abc".utf8)
        request.serializable = true
        let started = monotonicNanoseconds()
        getConnection.call(EtcdRPCs.range, request, timeout: .unlimited) { [self] outcome in
            guard !done else { return }
            switch outcome {
            case .failure(let error): result.recordError(error.description)
            case .success: result.record(microseconds: microseconds(from: started, to: monotonicNanoseconds()))
            }
            get()
        }
    }

    private func watcherCaughtUp() {
        caughtUp += 1
        progress?.update(caughtUp)
        if caughtUp == watchers { finish() }
    }

    private func finish() {
        guard !done else { return }
        done = true
        progress?.finish()
        for stream in streams { stream.cancel() }
        for connection in connections + [getConnection] { connection.close() }
        loop.stop()
    }
}
