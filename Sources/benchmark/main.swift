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
let workload: any Workload
switch options.command {
case "put":
    workload = PutWorkload(keys: keys, value: randomValue(options.valSize))
case "range":
    guard let key = options.positional.first else { usageError("range command needs arguments") }
    workload = RangeWorkload(key: key, end: options.positional.dropFirst().first, serializable: options.consistency == "s")
case "txn-put":
    workload = TxnPutWorkload(keys: keys, value: randomValue(options.valSize), ops: options.txnOps)
case "":
    printUsage()
    exit(1)
default:
    usageError("unknown command \"\(options.command)\"")
}

let loop: EventLoop
do {
    loop = try EventLoop()
} catch {
    writeStderr("Error: \(error)\n")
    exit(1)
}
let config = EtcdClientConfig(endpoints: endpoints, requestTimeoutMilliseconds: nil)
let runner = Runner(loop: loop, config: config, conns: options.conns, clients: options.clients, total: options.total,
                    rate: options.rate, workload: workload, progress: options.json ? nil : ProgressBar(total: options.total))
let summary = Summary(result: runner.run())
if options.json { summary.printJSON() } else { summary.printText() }
