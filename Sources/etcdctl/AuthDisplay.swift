import EtcdAPI
import EtcdClient
import Foundation

/// How etcdctl prints the Auth service's answers: the simple texts of printer_simple.go, the
/// JSON of the response (printerRPC), its protobuf bytes, the fields printer's header lines;
/// `table` and the missing fields cases are refused as etcdctl refuses them.
struct AuthDisplay {
    let format: String

    init(_ invocation: Invocation) { format = invocation.string("write-out") }

    /// Prints `simple` for the simple format, otherwise the response.
    func show<Response: SwiftProtobuf.Message>(_ response: Response, header: Etcdserverpb_ResponseHeader, simple: @autoclosure () -> String,
                                               json fields: (inout JSONObject) -> Void = { _ in },
                                               fieldLines: (() -> String)? = { "" }) {
        switch format {
        case "simple":
            Output.out(simple())
        case "json":
            var object = JSONObject()
            object.object("header", EtcdJSON.header(header))
            fields(&object)
            Output.out(object.text + "\n")
        case "protobuf":
            Output.outBytes((try? response.serializedBytes()) ?? [])
        case "fields":
            guard let fieldLines else { unsupported() }
            Output.out(Self.headerLines(header) + fieldLines())
        default:
            unsupported()
        }
    }

    private func unsupported() -> Never {
        exitWithError(ExitCode.badFeature, "\(format) not supported as output format")
    }

    static func headerLines(_ h: Etcdserverpb_ResponseHeader) -> String {
        "\"ClusterID\" : \(h.clusterID)\n\"MemberID\" : \(h.memberID)\n\"Revision\" : \(h.revision)\n\"RaftTerm\" : \(h.raftTerm)\n"
    }

    // MARK: Roles

    /// printer_simple.go's RoleGet: read permissions, then write permissions.
    static func roleSimple(_ name: String, _ perms: [Authpb_Permission]) -> String {
        var out = "Role \(name)\nKV Read:\n"
        for perm in perms where perm.permType == .read || perm.permType == .readwrite { out += permissionLine(perm) }
        out += "KV Write:\n"
        for perm in perms where perm.permType == .write || perm.permType == .readwrite { out += permissionLine(perm) }
        return out
    }

    static func permissionLine(_ perm: Authpb_Permission) -> String {
        let key = String(decoding: perm.key, as: UTF8.self)
        guard !perm.rangeEnd.isEmpty else { return "\t\(key)\n" }
        let end = String(decoding: perm.rangeEnd, as: UTF8.self)
        var line = end != "\0" ? "\t[\(key), \(end))" : "\t[\(key), <open ended>"
        if Array(prefixRangeEnd(Array(perm.key))) == Array(perm.rangeEnd) { line += " (prefix \(key))" }
        return line + "\n"
    }

    /// clientv3.GetPrefixRangeEnd: the key with its last byte below 0xff incremented, or "\0".
    static func prefixRangeEnd(_ key: [UInt8]) -> [UInt8] {
        var end = key
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    static func permissionsJSON(_ perms: [Authpb_Permission]) -> [String] {
        perms.map { perm in
            var object = JSONObject()
            object.int("permType", Int64(perm.permType.rawValue))
            object.bytes("key", Array(perm.key))
            object.bytes("range_end", Array(perm.rangeEnd))
            return object.text
        }
    }

    static func permissionFields(_ perms: [Authpb_Permission]) -> String {
        perms.map { perm in
            let type = switch perm.permType {
            case .read: "READ"
            case .write: "WRITE"
            case .readwrite: "READWRITE"
            case .UNRECOGNIZED(let value): "\(value)"
            }
            return "\"PermType\" :  \(type)\n\"Key\" : \(GoFormat.quote(bytes: Array(perm.key)))\n\"RangeEnd\" : \(GoFormat.quote(bytes: Array(perm.rangeEnd)))\n"
        }.joined()
    }
}

import SwiftProtobuf
