import EtcdClient
import EventLoop
import Glibc

// etcd's benchmark tool for Keel: drives one workload and prints etcd's summary.
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))

let endpoints: [Endpoint]
do {
    endpoints = try options.endpoints.map { text throws(EtcdError) in try Endpoint(parsing: text) }
} catch {
    usageError(error.description)
}

let keys = KeyMaker(keySize: options.keySize, keySpaceSize: options.keySpaceSize, sequential: options.sequentialKeys)

let loop: EventLoop
do {
    loop = try EventLoop()
} catch {
    writeStderr("Error: \(error)\n")
    exit(1)
}
// No request deadline (etcd's benchmark has none), but an unreachable cluster fails fast.
let config = {
    var config = EtcdClientConfig(endpoints: endpoints, dialTimeoutMilliseconds: options.dialTimeoutMilliseconds,
                                  requestTimeoutMilliseconds: nil)
    config.failFast = true
    return config
}()

/// Runs a closed-loop workload (every client keeps one request in flight) to `--total`.
func runClosedLoop(_ workload: any Workload) -> RunResult {
    let runner = Runner(loop: loop, config: config, conns: options.conns, clients: options.clients, total: options.total,
                        rate: options.rate, workload: workload, progress: options.json ? nil : ProgressBar(total: options.total))
    return runner.run()
}

let result: RunResult
var partTitle: (String, Summary) -> String = { kind, _ in "\n\(kind):" }
switch options.command {
case "put":
    result = runClosedLoop(PutWorkload(keys: keys, value: randomValue(options.valSize)))
case "range":
    guard let key = options.positional.first else { usageError("range command needs arguments") }
    result = runClosedLoop(RangeWorkload(key: key, end: options.positional.dropFirst().first,
                                         serializable: options.consistency == "s"))
case "txn-put":
    result = runClosedLoop(TxnPutWorkload(keys: keys, value: randomValue(options.valSize), ops: options.txnOps))
case "txn-mixed":
    guard let key = options.positional.first else { usageError("txn-mixed command needs arguments") }
    let end = options.endKey.isEmpty ? (options.positional.dropFirst().first ?? "") : options.endKey
    result = runClosedLoop(TxnMixedWorkload(keys: keys, value: randomValue(options.valSize), key: key, end: end,
                                            ratio: options.rwRatio, serializable: options.consistency == "s"))
    partTitle = { kind, summary in
        "Total \(kind == "read" ? "Read" : "Write") Ops: \(summary.succeeded)\nDetails:"
    }
case "lease-keepalive":
    result = runClosedLoop(LeaseKeepAliveWorkload())
case "stm":
    guard options.keysPerTxn <= options.stmKeys else { usageError("--keys-per-txn must not exceed --keys") }
    result = runClosedLoop(StmWorkload(keyCount: options.stmKeys, keysPerTxn: options.keysPerTxn,
                                       writePercent: options.txnWritePercent, isolation: options.isolation))
case "watch":
    result = WatchBenchmark(loop: loop, config: config, conns: options.conns, streams: options.streams ?? 10,
                            watchesPerStream: options.watchPerStream, keys: keys, prefix: options.watchPrefix,
                            putTotal: options.putTotal, putClients: options.clients, putRate: options.putRate ?? 0).run()
    partTitle = { kind, _ in kind == "creation" ? "Watch creation summary:" : "\nWatch events received summary:" }
case "watch-latency":
    result = WatchLatencyBenchmark(loop: loop, config: config, conns: options.conns, watchers: options.clients,
                                   putTotal: options.putTotal, putRate: options.putRate ?? 100, keySize: options.keySize,
                                   valSize: options.valSize,
                                   progress: options.json ? nil : ProgressBar(total: options.putTotal)).run()
case "watch-get":
    result = WatchGetBenchmark(loop: loop, config: config, conns: options.conns, watchers: options.watchers,
                               streams: options.streams ?? 1, events: options.events,
                               progress: options.json ? nil : ProgressBar(total: options.watchers)).run()
    if !options.json { print("Get during watch summary:", terminator: "") }
case "":
    printUsage()
    exit(1)
default:
    usageError("unknown command \"\(options.command)\"")
}
printReport(result, json: options.json, precise: options.precise, title: partTitle)
// A run that measured nothing, or stopped early, must not pass for a measurement.
if let failure = runFailure(result) {
    writeStderr("Error: \(failure)\n")
    exit(1)
}
