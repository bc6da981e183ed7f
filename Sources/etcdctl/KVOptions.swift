import EtcdClient
import Glibc
import EtcdAPI
import Foundation

/// The request-building halves of get/put/del (getGetOp, getPutOp, getDelOp), shared with txn.
enum KVOptions {
    static func bytes(_ text: String) -> Data { Data(text.utf8) }

    static func getFlags() -> [Flag] {
        [
            Flag("consistency", kind: .string, defaultValue: "l", usage: "Linearizable(l) or Serializable(s)"),
            Flag("order", kind: .string, defaultValue: "", usage: "Order of results; ASCEND or DESCEND (ASCEND by default)"),
            Flag("sort-by", kind: .string, defaultValue: "", usage: "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION"),
            Flag("limit", kind: .int64, defaultValue: "0", usage: "Maximum number of results"),
            Flag("prefix", kind: .bool, defaultValue: "false", usage: "Get keys with matching prefix"),
            Flag("from-key", kind: .bool, defaultValue: "false", usage: "Get keys that are greater than or equal to the given key using byte compare"),
            Flag("rev", kind: .int64, defaultValue: "0", usage: "Specify the kv revision"),
            Flag("keys-only", kind: .bool, defaultValue: "false", usage: "Get only the keys"),
            Flag("print-value-only", kind: .bool, defaultValue: "false", usage: "Only write values when using the \"simple\" output format"),
        ]
    }

    static func rangeRequest(_ invocation: Invocation) -> Etcdserverpb_RangeRequest {
        let args = invocation.arguments
        guard let first = args.first else {
            exitWithError(ExitCode.badArgs, "get command needs one argument as key and an optional argument as range_end")
        }
        let prefix = invocation.bool("prefix"), fromKey = invocation.bool("from-key")
        if prefix && fromKey {
            exitWithError(ExitCode.badArgs, "`--prefix` and `--from-key` cannot be set at the same time, choose one")
        }
        var request = Etcdserverpb_RangeRequest()
        switch invocation.string("consistency") {
        case "s": request.serializable = true
        case "l": break
        default: exitWithError(ExitCode.badFeature, "unknown consistency flag \(GoFormat.quote(invocation.string("consistency")))")
        }
        request.key = bytes(first)
        if args.count > 1 {
            if prefix || fromKey {
                exitWithError(ExitCode.badArgs, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set")
            }
            request.rangeEnd = bytes(args[1])
        }
        request.limit = invocation.int64("limit")
        if invocation.int64("rev") > 0 { request.revision = invocation.int64("rev") }
        request.sortOrder = sortOrder(invocation.string("order"))
        request.sortTarget = sortTarget(invocation.string("sort-by"))
        // clientv3.WithSort: ascending by key is the server's natural order, sent as "none".
        if request.sortTarget == .key && request.sortOrder == .ascend { request.sortOrder = .none }
        if prefix {
            if first.isEmpty {
                request.key = Data([0])
                request.rangeEnd = Data([0])
            } else {
                request.rangeEnd = KeyPrefix.rangeEnd(request.key)
            }
        }
        if fromKey {
            if first.isEmpty { request.key = Data([0]) }
            request.rangeEnd = Data([0])
        }
        request.keysOnly = invocation.bool("keys-only")
        return request
    }

    static func sortOrder(_ text: String) -> Etcdserverpb_RangeRequest.SortOrder {
        switch text.uppercased() {
        case "ASCEND": return .ascend
        case "DESCEND": return .descend
        case "": return .none
        default: exitWithError(ExitCode.badFeature, "bad sort order \(text)")
        }
    }

    static func sortTarget(_ text: String) -> Etcdserverpb_RangeRequest.SortTarget {
        switch text.uppercased() {
        case "CREATE": return .create
        case "KEY", "": return .key
        case "MODIFY": return .mod
        case "VALUE": return .value
        case "VERSION": return .version
        default: exitWithError(ExitCode.badFeature, "bad sort target \(text)")
        }
    }

    static func putFlags() -> [Flag] {
        [
            Flag("lease", kind: .string, defaultValue: "0", usage: "lease ID (in hexadecimal) to attach to the key"),
            Flag("prev-kv", kind: .bool, defaultValue: "false", usage: "return the previous key-value pair before modification"),
            Flag("ignore-value", kind: .bool, defaultValue: "false", usage: "updates the key using its current value"),
            Flag("ignore-lease", kind: .bool, defaultValue: "false", usage: "updates the key using its current lease"),
        ]
    }

    static let putUsageError = "put command needs 1 argument and input from stdin or 2 arguments"

    static func putRequest(_ invocation: Invocation) -> Etcdserverpb_PutRequest {
        let args = invocation.arguments
        guard let key = args.first else { exitWithError(ExitCode.badArgs, putUsageError) }
        let ignoreValue = invocation.bool("ignore-value")
        if ignoreValue && args.count > 1 {
            exitWithError(ExitCode.badArgs, "put command needs only 1 argument when 'ignore-value' is set")
        }
        var request = Etcdserverpb_PutRequest()
        request.key = bytes(key)
        if !ignoreValue {
            if args.count > 1 {
                request.value = bytes(args[1])
            } else {
                let input = FileHandle.standardInput.readDataToEndOfFile()
                if input.isEmpty { exitWithError(ExitCode.badArgs, putUsageError) }
                request.value = input
            }
        }
        let leaseText = invocation.string("lease")
        if let error = GoParse.int64Error(leaseText, base: 16) {
            exitWithError(ExitCode.badArgs, "bad lease ID (\(error)), expecting ID in Hex")
        }
        request.lease = GoParse.int64(leaseText, base: 16) ?? 0
        request.prevKv = invocation.bool("prev-kv")
        request.ignoreValue = ignoreValue
        request.ignoreLease = invocation.bool("ignore-lease")
        return request
    }

    static func delFlags() -> [Flag] {
        [
            Flag("prefix", kind: .bool, defaultValue: "false", usage: "delete keys with matching prefix"),
            Flag("prev-kv", kind: .bool, defaultValue: "false", usage: "return deleted key-value pairs"),
            Flag("from-key", kind: .bool, defaultValue: "false", usage: "delete keys that are greater than or equal to the given key using byte compare"),
        ]
    }

    static func deleteRequest(_ invocation: Invocation) -> Etcdserverpb_DeleteRangeRequest {
        let args = invocation.arguments
        guard let first = args.first, args.count <= 2 else {
            exitWithError(ExitCode.badArgs, "del command needs one argument as key and an optional argument as range_end")
        }
        let prefix = invocation.bool("prefix"), fromKey = invocation.bool("from-key")
        if prefix && fromKey {
            exitWithError(ExitCode.badArgs, "`--prefix` and `--from-key` cannot be set at the same time, choose one")
        }
        var request = Etcdserverpb_DeleteRangeRequest()
        request.key = bytes(first)
        if args.count > 1 {
            if prefix || fromKey {
                exitWithError(ExitCode.badArgs, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set")
            }
            request.rangeEnd = bytes(args[1])
        }
        if prefix {
            if first.isEmpty {
                request.key = Data([0])
                request.rangeEnd = Data([0])
            } else {
                request.rangeEnd = KeyPrefix.rangeEnd(request.key)
            }
        }
        request.prevKv = invocation.bool("prev-kv")
        if fromKey {
            if first.isEmpty { request.key = Data([0]) }
            request.rangeEnd = Data([0])
        }
        return request
    }
}
