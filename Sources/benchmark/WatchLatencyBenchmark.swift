import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// etcd's `watch-latency`: one watcher per `--clients` (each on its own Watch stream, spread over
/// `--conns` connections) on one random key; `--put-total` puts of that key, paced at
/// `--put-rate` per second, each waiting until every watcher saw it. A result is the time from
/// sending the put to one watcher receiving its event (etcd starts its clock at the put's
/// answer instead, which hides the time to commit; this counts it).
final class WatchLatencyBenchmark {
    let loop: EventLoop
    let watchConnections: [EtcdConnection]
    let putConnection: EtcdConnection
    let watchers: Int
    let putTotal: Int
    let pacer: Pacer
    let key: Data
    let value: Data
    /// How long one put may wait for all its events before the missing ones count as errors.
    static let eventTimeoutMilliseconds: UInt64 = 10_000

    private var result = RunResult()
    private var streams: [WatchStream] = []
    private var putIndex = 0
    private var putSentAt: UInt64 = 0
    private var awaiting = 0
    private var putAnswered = false
    private var timeout: LoopTimer?
    private var startNanoseconds: UInt64 = 0
    private let progress: ProgressBar?

    init(loop: EventLoop, config: EtcdClientConfig, conns: Int, watchers: Int, putTotal: Int, putRate: Int,
         keySize: Int, valSize: Int, progress: ProgressBar?) {
        self.loop = loop
        watchConnections = makeConnections(conns, loop: loop, config: config)
        putConnection = EtcdConnection(loop: loop, config: config)
        self.watchers = watchers
        self.putTotal = putTotal
        pacer = Pacer(rate: putRate)
        key = randomValue(keySize)
        value = randomValue(valSize)
        self.progress = progress
    }

    func run() -> RunResult {
        connectAll(watchConnections + [putConnection]) { [self] in openWatchers() }
        loop.run()
        result.elapsedNanoseconds = monotonicNanoseconds() - startNanoseconds
        return result
    }

    private func openWatchers() {
        var created = 0
        for i in 0..<watchers {
            WatchStream.open(on: watchConnections[i % watchConnections.count]) { [self] opened in
                guard case .success(let stream) = opened else { fatalBenchmarkError("cannot open watch stream") }
                stream.onFailure = { fatalBenchmarkError($0) }
                streams.append(stream)
                var create = Etcdserverpb_WatchCreateRequest()
                create.key = key
                stream.watch(create, onCreated: { [self] in
                    created += 1
                    if created == watchers {
                        startNanoseconds = monotonicNanoseconds()
                        pacer.start()
                        nextPut()
                    }
                }, onEvents: { [self] events in received(events) })
            }
        }
    }

    private func nextPut() {
        guard putIndex < putTotal else { finish(); return }
        pacer.wait(for: putIndex, loop: loop) { [self] in sendPut() }
    }

    private func sendPut() {
        awaiting = watchers
        putAnswered = false
        putSentAt = monotonicNanoseconds()
        var request = Etcdserverpb_PutRequest()
        request.key = key
        request.value = value
        putConnection.call(EtcdRPCs.put, request, timeout: .unlimited) { [self] outcome in
            if case .failure(let error) = outcome {
                // No events will come for a failed put: all its results are errors.
                for _ in 0..<awaiting { result.recordError(error.description) }
                awaiting = 0
            }
            putAnswered = true
            completeIfDone()
        }
        let index = putIndex
        timeout = loop.schedule(afterMilliseconds: WatchLatencyBenchmark.eventTimeoutMilliseconds) { [self] in
            guard putIndex == index else { return }
            for _ in 0..<awaiting { result.recordError("watch event not received within 10s") }
            awaiting = 0
            putAnswered = true
            completeIfDone()
        }
    }

    private func received(_ events: [Mvccpb_Event]) {
        guard awaiting > 0 else { return }
        let now = monotonicNanoseconds()
        for _ in events where awaiting > 0 {
            result.record(microseconds: microseconds(from: putSentAt, to: now))
            awaiting -= 1
        }
        completeIfDone()
    }

    private func completeIfDone() {
        guard awaiting == 0, putAnswered else { return }
        timeout?.cancel()
        timeout = nil
        putIndex += 1
        progress?.update(putIndex)
        // Next put on a fresh iteration, so this callback stack unwinds first.
        loop.deferToIterationEnd { [self] in nextPut() }
    }

    private func finish() {
        progress?.finish()
        for stream in streams { stream.cancel() }
        for connection in watchConnections + [putConnection] { connection.close() }
        loop.stop()
    }
}

/// `--rate` pacing: request i may start no earlier than i/rate seconds after `start()`.
final class Pacer {
    let rate: Int
    private var startNanoseconds: UInt64 = 0

    init(rate: Int) { self.rate = rate }

    func start() { startNanoseconds = monotonicNanoseconds() }

    func wait(for index: Int, loop: EventLoop, _ body: @escaping () -> Void) {
        guard rate > 0 else { body(); return }
        let due = startNanoseconds + UInt64(index) * 1_000_000_000 / UInt64(rate)
        let now = monotonicNanoseconds()
        if due <= now { body(); return }
        _ = loop.schedule(afterMilliseconds: (due - now + 999_999) / 1_000_000, body)
    }
}
