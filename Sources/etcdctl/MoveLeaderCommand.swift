import EtcdAPI
import EtcdClient
import Glibc

/// move-leader <transferee-member-id> (move_leader_command.go): finds the leader among the
/// endpoints by their Status, then asks it to hand over.
enum MoveLeaderCommand {
    static let moveLeaderRPC = EtcdRPC<Etcdserverpb_MoveLeaderRequest, Etcdserverpb_MoveLeaderResponse>(
        "/etcdserverpb.Maintenance/MoveLeader", safe: false)

    static func make() -> Command {
        Command(use: "move-leader <transferee-member-id>", short: "Transfers leadership to another etcd cluster member.") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "move-leader command needs 1 argument")
            }
            let target = parseTarget(invocation.arguments[0])
            let setup = ClientSetup(invocation: invocation)
            let (_, printer) = setup.configure()
            var leader: (endpoint: String, id: UInt64)?
            for endpoint in setup.endpointTexts {
                let client = ClientSetup.connect(setup.clientConfig(endpoints: [endpoint]))
                defer { client.close() }
                do {
                    let status = try client.status()
                    if status.header.memberID == status.leader {
                        leader = (endpoint, status.leader)
                        break
                    }
                } catch {
                    exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: [endpoint], passthrough: true))
                }
            }
            guard let leader else {
                exitWithError(ExitCode.badArgs, "no leader endpoint given at [\(setup.endpointTexts.joined(separator: " "))]")
            }
            let client = ClientSetup.connect(setup.clientConfig(endpoints: [leader.endpoint]))
            defer { client.close() }
            var request = Etcdserverpb_MoveLeaderRequest()
            request.targetID = target
            let response: Etcdserverpb_MoveLeaderResponse
            do { response = try client.call(moveLeaderRPC, request) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: [leader.endpoint]))
            }
            display(printer, leader: leader.id, target: target, response)
        }
    }

    /// strconv.ParseUint(arg, 16, 64), with Go's error text.
    static func parseTarget(_ text: String) -> UInt64 {
        if let id = UInt64(text, radix: 16), !text.hasPrefix("+"), !text.hasPrefix("-") { return id }
        let outOfRange = !text.isEmpty && text.allSatisfy(\.isHexDigit)
        exitWithError(ExitCode.badArgs, "strconv.ParseUint: parsing \(GoFormat.quote(text)): \(outOfRange ? "value out of range" : "invalid syntax")")
    }

    static func display(_ printer: Printer, leader: UInt64, target: UInt64, _ response: Etcdserverpb_MoveLeaderResponse) {
        switch printer {
        case is SimplePrinter:
            printer.sink.out("Leadership transferred from \(String(leader, radix: 16)) to \(String(target, radix: 16))\n")
        case is JSONPrinter:
            printer.sink.out("{}\n")  // an empty response: no header
        case let protobuf as ProtobufPrinter:
            protobuf.emit(response)
        case let partial as PartialPrinter:
            partial.unsupported()
        default:
            printer.sink.unsupported("fields not supported as output format")
        }
    }
}
