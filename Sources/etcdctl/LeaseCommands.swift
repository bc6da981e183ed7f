import Glibc
import EtcdAPI
import EtcdClient
import Foundation
import Synchronization

/// lease grant|revoke|timetolive|list|keep-alive (lease_command.go).
enum LeaseCommands {
    static func make() -> Command {
        let lease = Command(use: "lease <subcommand>", short: "Lease related commands")
        lease.add(grant(), revoke(), timeToLive(), list(), keepAlive())
        return lease
    }

    static func leaseID(_ text: String) -> Int64 {
        if let error = GoParse.int64Error(text, base: 16) {
            exitWithError(ExitCode.badArgs, "bad lease ID arg (\(error)), expecting ID in Hex")
        }
        return GoParse.int64(text, base: 16) ?? 0
    }

    static func grant() -> Command {
        Command(use: "grant <ttl>", short: "Creates leases") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "lease grant command needs TTL argument") }
            let text = invocation.arguments[0]
            if let error = GoParse.int64Error(text, base: 10) { exitWithError(ExitCode.badArgs, "bad TTL (\(error))") }
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.grant(try client.leaseGrant(ttlSeconds: GoParse.int64(text, base: 10) ?? 0)) } catch {
                exitWithError(ExitCode.error, "failed to grant lease (\(ClientSetup.report(error, endpoints: setup.endpointTexts)))")
            }
        }
    }

    static func revoke() -> Command {
        Command(use: "revoke <leaseID>", short: "Revokes leases") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "lease revoke command needs 1 argument") }
            let id = leaseID(invocation.arguments[0])
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.revoke(id, try client.leaseRevoke(id: id)) } catch {
                exitWithError(ExitCode.error, "failed to revoke lease (\(ClientSetup.report(error, endpoints: setup.endpointTexts)))")
            }
        }
    }

    static func timeToLive() -> Command {
        let command = Command(use: "timetolive <leaseID> [options]", short: "Get lease information") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "lease timetolive command needs lease ID as argument")
            }
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            let keys = invocation.bool("keys")
            do { printer.timeToLive(try client.leaseTimeToLive(id: leaseID(invocation.arguments[0]), keys: keys, timeout: .unlimited), keys: keys) } catch {
                exitWithError(ExitCode.badConnection, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        command.localFlags = [Flag("keys", kind: .bool, defaultValue: "false", usage: "Get keys attached to this lease")]
        return command
    }

    static func list() -> Command {
        Command(use: "list", short: "List all active leases") { invocation in
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.leases(try client.leaseList(timeout: .unlimited)) } catch {
                exitWithError(ExitCode.badConnection, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
    }

    static func keepAlive() -> Command {
        let command = Command(use: "keep-alive [options] <leaseID>", short: "Keeps leases alive (renew)") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "lease keep-alive command needs lease ID as argument")
            }
            let id = leaseID(invocation.arguments[0])
            let (client, printer) = ClientSetup(invocation: invocation).mustClient()
            if invocation.bool("once") {
                do {
                    let response = try client.leaseKeepAliveOnce(id: id, timeout: .unlimited)
                    if response.ttl <= 0 { exitWithError(ExitCode.badConnection, "etcdserver: requested lease not found") }
                    printer.keepAlive(response)
                } catch {
                    exitWithError(ExitCode.badConnection, asEtcdError(error).description)
                }
                return
            }
            keepAliveForever(client, id: id, printer: printer)
            if printer is SimplePrinter { Output.out("lease \(GoFormat.hex16(id)) expired or revoked.\n") }
        }
        command.localFlags = [Flag("once", kind: .bool, defaultValue: "false",
                                   usage: "Resets the keep-alive time to its original value and exits immediately")]
        return command
    }

    /// Prints every keepalive answer until the lease is gone.
    static func keepAliveForever(_ client: EtcdClient, id: Int64, printer: Printer) {
        let printerBox = PrinterBox(printer: printer)
        let _: Bool = client.blocking { connection, finish in
            let keeper = connection.keepAlive(leaseID: id)
            keeper.onResponse = { response in
                if response.ttl > 0 { printerBox.printer.keepAlive(response) }
            }
            keeper.onEnd = { _ in finish(true) }
        }
    }
}

/// Printers are immutable values; this carries one to the client's loop thread.
struct PrinterBox: @unchecked Sendable {
    let printer: Printer
}
