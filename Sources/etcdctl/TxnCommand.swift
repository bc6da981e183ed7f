import Glibc
import EtcdAPI
import EtcdClient
import Foundation

/// `txn`: compares, success ops and failure ops read from stdin, one per line, each block
/// ended by an empty line (txn_command.go).
enum TxnCommand {
    static func make() -> Command {
        let command = Command(use: "txn [options]", short: "Txn processes all the requests in one transaction") { invocation in
            guard invocation.arguments.isEmpty else {
                exitWithError(ExitCode.badArgs, "txn command does not accept argument")
            }
            let interactive = invocation.bool("interactive")
            let reader = LineReader()
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            var request = Etcdserverpb_TxnRequest()
            prompt(interactive, "compares:")
            request.compare = readCompares(reader)
            prompt(interactive, "success requests (get, put, del):")
            request.success = readOps(reader)
            prompt(interactive, "failure requests (get, put, del):")
            request.failure = readOps(reader)
            do { printer.txn(try client.txn(request, timeout: .unlimited)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        command.localFlags = [Flag("interactive", shorthand: "i", kind: .bool, defaultValue: "false",
                                   usage: "Input transaction in interactive mode")]
        return command
    }

    static func prompt(_ interactive: Bool, _ text: String) {
        if interactive { Output.out(text + "\n") }
    }

    /// Lines until an empty one; end of input is an error (io.EOF), as in etcdctl.
    static func readBlock(_ reader: LineReader) -> [String] {
        var lines: [String] = []
        while true {
            guard let line = reader.readLine() else { exitWithError(ExitCode.invalidInput, "EOF") }
            let trimmed = line.trimmingCharacters(in: " \t\n\r\u{0B}\u{0C}")
            if trimmed.isEmpty { return lines }
            lines.append(trimmed)
        }
    }

    static func readCompares(_ reader: LineReader) -> [Etcdserverpb_Compare] {
        readBlock(reader).map { line in
            switch parseCompare(line) {
            case .success(let compare): return compare
            case .failure(let error): exitWithError(ExitCode.invalidInput, error.message)
            }
        }
    }

    static func readOps(_ reader: LineReader) -> [Etcdserverpb_RequestOp] {
        readBlock(reader).map { line in
            switch parseOp(line, reader: reader) {
            case .success(let op): return op
            case .failure(let error): exitWithError(ExitCode.invalidInput, error.message)
            }
        }
    }

    struct InputError: Error { let message: String }

    static func parseCompare(_ line: String) -> Result<Etcdserverpb_Compare, InputError> {
        guard let paren = line.firstIndex(of: "(") else { return .failure(InputError(message: "malformed comparison: \(line)")) }
        let target = String(line[..<paren])
        let scanned = GoScan.scanCompare(String(line[line.index(after: paren)...]))
        guard let key = scanned.key, let op = scanned.op, let value = scanned.value else {
            return .failure(InputError(message: "malformed comparison: \(line); got \(target)(\(GoFormat.quote(scanned.key ?? ""))) \(scanned.op ?? "") \(GoFormat.quote(scanned.value ?? ""))"))
        }
        var compare = Etcdserverpb_Compare()
        compare.key = Data(key.utf8)
        let number = GoParse.int64(value, base: 10)
        switch target {
        case "ver", "version":
            guard let number else { return .failure(InputError(message: "invalid txn compare request: \(line)")) }
            compare.target = .version
            compare.version = number
        case "c", "create":
            guard let number else { return .failure(InputError(message: "invalid txn compare request: \(line)")) }
            compare.target = .create
            compare.createRevision = number
        case "m", "mod":
            guard let number else { return .failure(InputError(message: "invalid txn compare request: \(line)")) }
            compare.target = .mod
            compare.modRevision = number
        case "val", "value":
            compare.target = .value
            compare.value = Data(value.utf8)
        case "lease":
            // clientv3.Compare panics on a string lease value (mustInt64orLeaseID).
            goPanic("bad value")
        default:
            return .failure(InputError(message: "malformed comparison: \(line) (unknown target \(target))"))
        }
        switch op {
        case "=": compare.result = .equal
        case "!=": compare.result = .notEqual
        case "<": compare.result = .less
        case ">": compare.result = .greater
        default: goPanic("Unknown result op")
        }
        return .success(compare)
    }

    /// A Go panic's first line and exit status (the goroutine dump is not reproduced).
    static func goPanic(_ message: String) -> Never {
        Output.err("panic: \(message)\n")
        exit(2)
    }

    /// One op line, parsed by a private command tree of put/get/del, as etcdctl does.
    static func parseOp(_ line: String, reader: LineReader) -> Result<Etcdserverpb_RequestOp, InputError> {
        let args = GoScan.argify(line)
        guard args.count >= 2 else { return .failure(InputError(message: "invalid txn compare request: \(line)")) }
        let invalid = InputError(message: "invalid txn request: \(line)")
        // The same commands as etcdctl's, under a nameless root; only their flags are used here.
        let root = Command(use: "", short: "")
        let get = KVCommands.get(), put = KVCommands.put(), del = KVCommands.del()
        root.add(put, get, del)
        root.addHelpFlagRecursively()
        let (command, remaining) = Dispatcher.find(root, args)
        guard command !== root else { return .failure(invalid) }
        guard case .success(let positional) = FlagParser(flags: command.allFlags).parse(remaining) else {
            // cobra (errors silenced, usage not) shows its default usage on stderr.
            Output.err(CobraDefaultUsage.text(command) + "\n")
            return .failure(invalid)
        }
        let invocation = Invocation(command: command, arguments: positional, rawArguments: args)
        var op = Etcdserverpb_RequestOp()
        if command === get {
            op.requestRange = KVOptions.rangeRequest(invocation)
        } else if command === put {
            op.requestPut = KVOptions.putRequest(invocation)
        } else {
            op.requestDeleteRange = KVOptions.deleteRequest(invocation)
        }
        return .success(op)
    }
}
