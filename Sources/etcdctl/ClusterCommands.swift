import Glibc
import EtcdAPI
import EtcdClient
import Foundation
import Synchronization

/// member list, endpoint health|status|hashkv, alarm list|disarm, defrag, version.
enum ClusterCommands {
    static func member() -> Command {
        let member = Command(use: "member <subcommand>", short: "Membership related commands")
        let list = Command(use: "list", short: "Lists all members in the cluster", long: """
When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.
The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.

""") { invocation in
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.memberList(try client.memberList()) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        member.add(
            MemberCommands.add(),
            MemberCommands.remove(),
            MemberCommands.update(),
            list,
            MemberCommands.promote())
        return member
    }

    static func endpoint() -> Command {
        let endpoint = Command(use: "endpoint <subcommand>", short: "Endpoint related commands")
        endpoint.persistentFlags = [clusterFlag()]
        let health = Command(use: "health", short: "Checks the healthiness of endpoints specified in `--endpoints` flag", run: health)
        let status = Command(use: "status", short: "Prints out the status of endpoints specified in `--endpoints` flag", long: """
When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.
The items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.

""", run: status)
        let hashKV = Command(use: "hashkv", short: "Prints the KV history hash for each endpoint in --endpoints", run: hashKV)
        hashKV.persistentFlags = [Flag("rev", kind: .int64, defaultValue: "0", usage: "maximum revision to hash (default: all revisions)")]
        endpoint.add(health, status, hashKV)
        return endpoint
    }

    static func clusterFlag() -> Flag {
        Flag("cluster", kind: .bool, defaultValue: "false", usage: "use all endpoints from the cluster member list")
    }

    /// endpointsFromCluster: the --endpoints list, or every member's client URLs.
    static func endpoints(_ invocation: Invocation, _ setup: ClientSetup) -> [String] {
        guard invocation.bool("cluster") else { return invocation.flag("endpoints").sliceValue }
        // etcdctl lists the members without authenticating (MemberList needs no token).
        var config = setup.clientConfig()
        config.username = nil
        let client = ClientSetup.connect(config)
        defer { client.close() }
        do {
            return try client.memberList().members.flatMap(\.clientUrls)
        } catch {
            exitWithError(ExitCode.error, "failed to fetch endpoints from etcd cluster member list: \(ClientSetup.report(error, endpoints: setup.endpointTexts))")
        }
    }

    static func health(_ invocation: Invocation) {
        let setup = ClientSetup(invocation: invocation)
        ClientSetup.applyEnvironment(invocation.command.inheritedFlags)
        setup.checkSecurityFlags()
        let printer = setup.display()
        // Every endpoint is checked at once; results are listed in the order they finish, as
        // etcdctl collects them from a channel.
        let results = Mutex<[EndpointHealth]>([])
        let group = DispatchGroup()
        for endpoint in endpoints(invocation, setup) {
            let config = setup.clientConfig(endpoints: [endpoint])
            group.enter()
            DispatchQueue.global().async {
                let health = check(endpoint, config)
                results.withLock { $0.append(health) }
                group.leave()
            }
        }
        group.wait()
        let list = results.withLock { $0 }
        printer.endpointHealth(list)
        if list.contains(where: { !$0.error.isEmpty }) { exitWithError(ExitCode.error, "unhealthy cluster") }
    }

    /// One endpoint's health: a linearizable read of "health" (permission denied counts as healthy).
    static func check(_ endpoint: String, _ config: EtcdClientConfig) -> EndpointHealth {
        let client = ClientSetup.connect(config)
        defer { client.close() }
        let start = DispatchTime.now().uptimeNanoseconds
        var request = Etcdserverpb_RangeRequest()
        request.key = Data("health".utf8)
        var result = EndpointHealth(endpoint: endpoint, health: false, took: "", error: "")
        do {
            _ = try client.get(request)
            result.health = true
        } catch {
            let message = ClientSetup.report(error, endpoints: [endpoint])
            if message == "etcdserver: permission denied" { result.health = true } else { result.error = message }
        }
        result.took = GoFormat.duration(nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
        return result
    }

    /// clientv3's Maintenance calls that name an endpoint dial that endpoint alone.
    static func perEndpoint<T>(_ invocation: Invocation, _ setup: ClientSetup,
                               _ body: (EtcdClient) throws(EtcdError) -> T) -> [(String, Result<T, EtcdError>)] {
        // etcdctl makes its client first (which authenticates), then dials each endpoint.
        let main = setup.credentials() == nil ? nil : ClientSetup.connect(setup.clientConfig())
        defer { main?.close() }
        return endpoints(invocation, setup).map { endpoint in
            let client = ClientSetup.connect(setup.clientConfig(endpoints: [endpoint]))
            defer { client.close() }
            do { return (endpoint, .success(try body(client))) } catch { return (endpoint, .failure(asEtcdError(error))) }
        }
    }

    static func status(_ invocation: Invocation) {
        let setup = ClientSetup(invocation: invocation)
        let (_, printer) = setup.configure()
        var failed = false
        var list: [EndpointStatus] = []
        for (endpoint, result) in perEndpoint(invocation, setup, { client throws(EtcdError) in try client.status() }) {
            switch result {
            case .success(let response): list.append(EndpointStatus(endpoint: endpoint, response: response))
            case .failure(let error):
                failed = true
                Output.err("Failed to get the status of endpoint \(endpoint) (\(ClientSetup.report(error, endpoints: [endpoint], passthrough: true)))\n")
            }
        }
        printer.endpointStatus(list)
        if failed { exit(ExitCode.error) }
    }

    static func hashKV(_ invocation: Invocation) {
        let setup = ClientSetup(invocation: invocation)
        let (_, printer) = setup.configure()
        let revision = invocation.int64("rev")
        var lastError: String?
        var list: [EndpointHashKV] = []
        for (endpoint, result) in perEndpoint(invocation, setup, { client throws(EtcdError) in try client.hashKV(revision: revision) }) {
            switch result {
            case .success(let response): list.append(EndpointHashKV(endpoint: endpoint, response: response))
            case .failure(let error):
                let message = ClientSetup.report(error, endpoints: [endpoint], passthrough: true)
                lastError = message
                Output.err("Failed to get the hash of endpoint \(endpoint) (\(message))\n")
            }
        }
        printer.endpointHashKV(list)
        if let lastError { exitWithError(ExitCode.error, lastError) }
    }

    static func alarm() -> Command {
        let alarm = Command(use: "alarm <subcommand>", short: "Alarm related commands")
        let disarm = Command(use: "disarm", short: "Disarms all alarms") { invocation in
            guard invocation.arguments.isEmpty else { exitWithError(ExitCode.badArgs, "alarm disarm command accepts no arguments") }
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do {
                // clientv3.AlarmDisarm with no member: list the alarms, disarm each one.
                var get = Etcdserverpb_AlarmRequest()
                get.action = .get
                let active = try client.alarm(get)
                var combined = Etcdserverpb_AlarmResponse()
                for member in active.alarms {
                    var request = Etcdserverpb_AlarmRequest()
                    request.action = .deactivate
                    request.memberID = member.memberID
                    request.alarm = member.alarm
                    combined.alarms += try client.alarm(request).alarms
                }
                printer.alarm(combined)
            } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        let list = Command(use: "list", short: "Lists all alarms") { invocation in
            guard invocation.arguments.isEmpty else { exitWithError(ExitCode.badArgs, "alarm list command accepts no arguments") }
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            var request = Etcdserverpb_AlarmRequest()
            request.action = .get
            do { printer.alarm(try client.alarm(request)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        alarm.add(disarm, list)
        return alarm
    }

    static func defrag() -> Command {
        let command = Command(use: "defrag", short: "Defragments the storage of the etcd members with given endpoints") { invocation in
            if !invocation.string("data-dir").isEmpty {
                Output.err("Failed to defragment etcd data[\(invocation.string("data-dir"))] (offline defragmentation is not supported by Keel's etcdctl)\n")
                exit(ExitCode.error)
            }
            let setup = ClientSetup(invocation: invocation)
            _ = setup.configure()
            var failures = 0
            for (endpoint, result) in perEndpoint(invocation, setup, { client throws(EtcdError) in try client.defragment() }) {
                switch result {
                case .success: Output.out("Finished defragmenting etcd member[\(endpoint)]\n")
                case .failure(let error):
                    Output.err("Failed to defragment etcd member[\(endpoint)] (\(ClientSetup.report(error, endpoints: [endpoint], passthrough: true)))\n")
                    failures += 1
                }
            }
            if failures != 0 { exit(ExitCode.error) }
        }
        command.persistentFlags = [clusterFlag()]
        command.localFlags = [Flag("data-dir", kind: .string, defaultValue: "",
                                   usage: "Optional. If present, defragments a data directory not in use by etcd.")]
        return command
    }

    static func version() -> Command {
        Command(use: "version", short: "Prints the version of etcdctl") { _ in
            Output.out("etcdctl version: \(Usage.version)\nAPI version: \(Usage.apiVersion)\nKeel version: \(Usage.keelVersion)\n")
        }
    }
}
