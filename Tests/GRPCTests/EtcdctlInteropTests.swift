import EventLoop
import Foundation
import Glibc
import GRPC
import HTTP
import Testing

/// Minimal protobuf encoding for hand-built etcd messages (GRPCTests has no EtcdAPI types).
enum Proto {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out = [UInt8]()
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    static func field(_ number: UInt64, _ value: UInt64) -> [UInt8] { varint(number << 3) + varint(value) }
    static func field(_ number: UInt64, bytes: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes }

    static func header(revision: UInt64) -> [UInt8] {
        field(1, 0x1234) + field(2, 0x5678) + field(3, revision) + field(4, 2)
    }
}

/// Runs etcdctl to completion (its own timeouts bound the run) and returns exit status and
/// combined output. posix_spawn rather than Foundation.Process, which leaks under LeakSanitizer.
func runEtcdctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { throw POSIXError(.EMFILE) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
    posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
    let argv = ["/usr/bin/etcdctl", "--dial-timeout=3s", "--command-timeout=5s"] + arguments
    let environment = ["ETCDCTL_API=3", "PATH=/usr/bin:/bin"]
    var cArguments = argv.map { strdup($0) } + [nil]
    var cEnvironment = environment.map { strdup($0) } + [nil]
    defer {
        for pointer in cArguments { free(pointer) }
        for pointer in cEnvironment { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, &cEnvironment)
    close(pipeFDs[1])
    defer { close(pipeFDs[0]) }
    guard spawned == 0 else { throw POSIXError(.ENOENT) }
    var output = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(pipeFDs[0], &buffer, buffer.count)
        if count <= 0 { break }
        output.append(contentsOf: buffer[0..<count])
    }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (exitCode, String(decoding: output, as: UTF8.self))
}

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/etcdctl")))
struct EtcdctlInteropTests {
    /// grpc-go (inside etcdctl 3.4) talks to the GRPCServer behind a ProtocolMux: a unary
    /// success with a message, a unary success with an empty message, and an UNIMPLEMENTED error.
    @Test func etcdctlGetPutAndUnknownService() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        final class Seen: @unchecked Sendable { var rangeRequests = [[UInt8]]() }  // loop thread only
        let seen = Seen()
        let port: Int? = await harness.run { loop, done in
            let grpc = GRPCServer(loop: loop)
            grpc.unaryRaw("/etcdserverpb.KV/Range") { request, responder in
                seen.rangeRequests.append(request)
                let kv = Proto.field(1, bytes: Array("foo".utf8)) + Proto.field(2, 2) + Proto.field(3, 2)
                    + Proto.field(4, 1) + Proto.field(5, bytes: Array("bar".utf8))
                responder.respond(Proto.field(1, bytes: Proto.header(revision: 2)) + Proto.field(2, bytes: kv) + Proto.field(4, 1))
            }
            grpc.unaryRaw("/etcdserverpb.KV/Put") { _, responder in
                responder.respond(Proto.field(1, bytes: Proto.header(revision: 3)))
            }
            let http = HTTPServer(loop: loop, handler: describingHandler)
            let mux = ProtocolMux(loop: loop, grpc: grpc, http: { http.serve($0, initialBytes: $1) })
            done((try? mux.listen(host: "127.0.0.1", port: 0))?.port ?? 0)
        }
        let endpoint = "--endpoints=127.0.0.1:\(port ?? 0)"

        let get = try runEtcdctl([endpoint, "get", "foo"])
        #expect(get.status == 0)
        #expect(get.output == "foo\nbar\n")

        let put = try runEtcdctl([endpoint, "put", "foo", "baz"])
        #expect(put.status == 0)
        #expect(put.output == "OK\n")

        let status = try runEtcdctl([endpoint, "endpoint", "status"])
        #expect(status.status != 0)
        #expect(status.output.contains("unknown service etcdserverpb.Maintenance"))

        let requests: [[UInt8]]? = await harness.run { _, done in done(seen.rangeRequests) }
        // RangeRequest{key: "foo"}: field 1, length 3.
        #expect(requests?.first?.starts(with: [0x0A, 0x03] + Array("foo".utf8)) == true)
    }
}
