import EtcdAPI
import EtcdClient
import EventLoop
import Foundation

/// etcd's `watch`: `--streams` Watch streams (spread over `--conns` connections) each create
/// `--watch-per-stream` watches, one after another, on keys from the key space (prefix watches
/// with `--prefix`): the first summary is the creation latency. Then `--put-total` puts of the
/// watched keys by `--clients` clients, paced at `--put-rate`; the second summary is, for every
/// event a watcher receives, the time since its put was sent.
final class WatchBenchmark {
    let loop: EventLoop
    let connections: [EtcdConnection]
    let streamCount: Int
    let watchesPerStream: Int
    let keys: KeyMaker
    let prefix: Bool
    let putTotal: Int
    let putClients: Int
    let pacer: Pacer
    /// After the last put, how long missing events are waited for before counting as errors.
    static let drainTimeoutMilliseconds: UInt64 = 10_000

    private var creation = RunResult()
    private var delivery = RunResult()
    private var streams: [WatchStream] = []
    private var watchedKeys: [Data] = []
    /// Watchers per watched key, to know how many events each put produces.
    private var watchersOfKey: [Data: Int] = [:]
    private var created = 0
    private var creationStart: UInt64 = 0
    private var deliveryStart: UInt64 = 0
    private var putIssued = 0
    private var putFinished = 0
    /// Send time of each put, found again from the value (the put's index) an event carries.
    private var putSentAt: [UInt64] = []
    private var expectedEvents = 0
    private var receivedEvents = 0
    private var finished = false

    init(loop: EventLoop, config: EtcdClientConfig, conns: Int, streams: Int, watchesPerStream: Int, keys: KeyMaker,
         prefix: Bool, putTotal: Int, putClients: Int, putRate: Int) {
        self.loop = loop
        connections = makeConnections(conns, loop: loop, config: config)
        streamCount = streams
        self.watchesPerStream = watchesPerStream
        self.keys = keys
        self.prefix = prefix
        self.putTotal = putTotal
        self.putClients = putClients
        pacer = Pacer(rate: putRate)
    }

    func run() -> RunResult {
        connectAll(connections) { [self] in openStreams() }
        loop.run()
        var result = delivery
        result.elapsedNanoseconds = monotonicNanoseconds() - deliveryStart
        result.parts = [RunPart(kind: "creation", result: creation), RunPart(kind: "events", result: result)]
        return result
    }

    private func openStreams() {
        creationStart = monotonicNanoseconds()
        for s in 0..<streamCount {
            WatchStream.open(on: connections[s % connections.count]) { [self] opened in
                guard case .success(let stream) = opened else { fatalBenchmarkError("cannot open watch stream") }
                stream.onFailure = { [self] in if !finished { fatalBenchmarkError($0) } }
                streams.append(stream)
                createWatch(on: stream, remaining: watchesPerStream)
            }
        }
    }

    /// Creates the stream's watches one at a time, timing each until its confirmation.
    private func createWatch(on stream: WatchStream, remaining: Int) {
        guard remaining > 0 else { return }
        let key = keys.key(watchedKeys.count)
        watchedKeys.append(key)
        watchersOfKey[key, default: 0] += 1
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = key
        if prefix { create.rangeEnd = KeyPrefix.rangeEnd(key) }
        let started = monotonicNanoseconds()
        stream.watch(create, onCreated: { [self] in
            creation.record(microseconds: microseconds(from: started, to: monotonicNanoseconds()))
            created += 1
            if created == streamCount * watchesPerStream {
                creation.elapsedNanoseconds = monotonicNanoseconds() - creationStart
                startPuts()
            } else {
                createWatch(on: stream, remaining: remaining - 1)
            }
        }, onEvents: { [self] events in received(events) })
    }

    private func startPuts() {
        let distinct = Array(watchersOfKey.keys)
        watchedKeys = distinct
        for i in 0..<putTotal { expectedEvents += watchersOfKey[putKey(i)]! }
        putSentAt = Array(repeating: 0, count: putTotal)
        deliveryStart = monotonicNanoseconds()
        pacer.start()
        for _ in 0..<min(putClients, putTotal) { issuePut() }
    }

    private func putKey(_ index: Int) -> Data { watchedKeys[index % watchedKeys.count] }

    private func issuePut() {
        guard putIssued < putTotal else { return }
        let index = putIssued
        putIssued += 1
        pacer.wait(for: index, loop: loop) { [self] in
            var request = Etcdserverpb_PutRequest()
            request.key = putKey(index)
            request.value = Data(String(index).utf8)
            putSentAt[index] = monotonicNanoseconds()
            connections[index % connections.count].call(EtcdRPCs.put, request, timeout: .unlimited) { [self] outcome in
                if case .failure(let error) = outcome {
                    delivery.recordError(error.description)
                    expectedEvents -= watchersOfKey[putKey(index)]!
                }
                putFinished += 1
                if putFinished == putTotal { allPutsAnswered() } else { issuePut() }
                finishIfDone()
            }
        }
    }

    private func received(_ events: [Mvccpb_Event]) {
        let now = monotonicNanoseconds()
        for event in events {
            guard let index = Int(String(decoding: event.kv.value, as: UTF8.self)), index < putSentAt.count else { continue }
            delivery.record(microseconds: microseconds(from: putSentAt[index], to: now))
            receivedEvents += 1
        }
        finishIfDone()
    }

    private func allPutsAnswered() {
        _ = loop.schedule(afterMilliseconds: WatchBenchmark.drainTimeoutMilliseconds) { [self] in
            guard !finished else { return }
            for _ in 0..<max(expectedEvents - receivedEvents, 0) { delivery.recordError("watch event not received within 10s") }
            finish()
        }
    }

    private func finishIfDone() {
        if putFinished == putTotal && receivedEvents >= expectedEvents { finish() }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        for stream in streams { stream.cancel() }
        for connection in connections { connection.close() }
        loop.stop()
    }
}
