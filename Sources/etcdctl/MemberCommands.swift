import EtcdAPI
import EtcdClient

/// member add|remove|update|promote (member_command.go).
enum MemberCommands {
    static func memberID(_ text: String) -> UInt64 {
        guard let id = UInt64(text, radix: 16), !text.hasPrefix("+"), !text.hasPrefix("-") else {
            let reason = UInt64(text.filter { $0 != "+" }, radix: 16) == nil && text.allSatisfy(\.isHexDigit) && !text.isEmpty
                ? "value out of range" : "invalid syntax"
            exitWithError(ExitCode.badArgs, "bad member ID arg (strconv.ParseUint: parsing \(GoFormat.quote(text)): \(reason)), expecting ID in Hex")
        }
        return id
    }

    /// clientv3 checks peer URLs before sending (pkg/types.NewURLs); the error ends etcdctl.
    static func validatePeerURLs(_ urls: [String]) {
        for raw in urls {
            let text = raw.trimmingCharacters(in: " \t\n\r")
            guard let schemeEnd = text.range(of: "://"),
                  ["http", "https", "unix", "unixs"].contains(String(text[..<schemeEnd.lowerBound])) else {
                exitWithError(ExitCode.error, "URL scheme must be http, https, unix, or unixs: \(text)")
            }
            let rest = text[schemeEnd.upperBound...]
            let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let path = rest.dropFirst(host.count).prefix { $0 != "?" && $0 != "#" }
            guard let colon = host.lastIndex(of: ":"), !host[host.index(after: colon)...].contains("]") else {
                exitWithError(ExitCode.error, "URL address does not have the form \"host:port\": \(text)")
            }
            if !path.isEmpty { exitWithError(ExitCode.error, "URL must not contain a path: \(text)") }
        }
    }

    static func peerURLsFlag(_ usage: String) -> Flag {
        Flag("peer-urls", kind: .string, defaultValue: "", usage: usage)
    }

    static func add() -> Command {
        let command = Command(use: "add <memberName> [options]", short: "Adds a member into the cluster") { invocation in
            let args = invocation.arguments
            guard let name = args.first else { exitWithError(ExitCode.badArgs, "member name not provided") }
            if args.count > 1 {
                var message = "too many arguments"
                for arg in args where arg.lowercased().hasPrefix("http") { message += ", did you mean --peer-urls=\(arg)" }
                exitWithError(ExitCode.badArgs, message)
            }
            let peerURLs = invocation.string("peer-urls")
            if peerURLs.isEmpty { exitWithError(ExitCode.badArgs, "member peer urls not provided") }
            var request = Etcdserverpb_MemberAddRequest()
            request.peerUrls = peerURLs.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            request.isLearner = invocation.bool("learner")
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            validatePeerURLs(request.peerUrls)
            let response: Etcdserverpb_MemberAddResponse
            do { response = try client.call(EtcdRPCs.memberAdd, request) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
            printer.memberAdd(response)
            guard printer is SimplePrinter else { return }
            let conf = response.members.flatMap { member in
                member.peerUrls.map { "\(member.id == response.member.id ? name : member.name)=\($0)" }
            }
            Output.out("\nETCD_NAME=\(GoFormat.quote(name))\nETCD_INITIAL_CLUSTER=\(GoFormat.quote(conf.joined(separator: ",")))\n")
            Output.out("ETCD_INITIAL_ADVERTISE_PEER_URLS=\(GoFormat.quote(peerURLs))\nETCD_INITIAL_CLUSTER_STATE=\"existing\"\n")
        }
        command.localFlags = [peerURLsFlag("comma separated peer URLs for the new member."),
                              Flag("learner", kind: .bool, defaultValue: "false", usage: "indicates if the new member is raft learner")]
        return command
    }

    static func remove() -> Command {
        Command(use: "remove <memberID>", short: "Removes a member from the cluster") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "member ID is not provided") }
            let id = memberID(invocation.arguments[0])
            var request = Etcdserverpb_MemberRemoveRequest()
            request.id = id
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.memberRemove(id, try client.call(EtcdRPCs.memberRemove, request)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
    }

    static func update() -> Command {
        let command = Command(use: "update <memberID> [options]", short: "Updates a member in the cluster") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "member ID is not provided") }
            let id = memberID(invocation.arguments[0])
            let peerURLs = invocation.string("peer-urls")
            if peerURLs.isEmpty { exitWithError(ExitCode.badArgs, "member peer urls not provided") }
            var request = Etcdserverpb_MemberUpdateRequest()
            request.id = id
            request.peerUrls = peerURLs.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            validatePeerURLs(request.peerUrls)
            do { printer.memberUpdate(id, try client.call(EtcdRPCs.memberUpdate, request)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        command.localFlags = [peerURLsFlag("comma separated peer URLs for the updated member.")]
        return command
    }

    static func promote() -> Command {
        Command(use: "promote <memberID>", short: "Promotes a non-voting member in the cluster", long: """
Promotes a non-voting learner member to a voting one in the cluster.

""") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "member ID is not provided") }
            let id = memberID(invocation.arguments[0])
            var request = Etcdserverpb_MemberPromoteRequest()
            request.id = id
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.memberPromote(id, try client.call(EtcdRPCs.memberPromote, request)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
    }
}
