import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// auth enable|disable (auth_command.go).
enum AuthCommands {
    static func make() -> Command {
        let auth = Command(use: "auth <enable or disable>", short: "Enable or disable authentication")
        auth.add(
            Command(use: "enable", short: "Enables authentication") { invocation in
                guard invocation.arguments.isEmpty else {
                    exitWithError(ExitCode.badArgs, "auth enable command does not accept any arguments")
                }
                let setup = ClientSetup(invocation: invocation)
                let (client, _) = setup.mustClient()
                enable(client, setup)
                Output.out("Authentication Enabled\n")
            },
            Command(use: "disable", short: "Disables authentication") { invocation in
                guard invocation.arguments.isEmpty else {
                    exitWithError(ExitCode.badArgs, "auth disable command does not accept any arguments")
                }
                let setup = ClientSetup(invocation: invocation)
                let (client, _) = setup.mustClient()
                do { _ = try client.authDisable() } catch {
                    exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
                }
                Output.out("Authentication Disabled\n")
            })
        return auth
    }

    /// etcdctl creates the root role and grants it to root when that is all that is missing.
    private static func enable(_ client: EtcdClient, _ setup: ClientSetup) {
        var attempts = 0
        while true {
            attempts += 1
            do {
                _ = try client.authEnable()
                return
            } catch {
                let report = ClientSetup.report(error, endpoints: setup.endpointTexts)
                guard asEtcdError(error).message == "etcdserver: root user does not have root role", attempts < 3 else {
                    exitWithError(ExitCode.error, report)
                }
            }
            do {
                _ = try client.roleAdd("root")
                _ = try client.userGrantRole("root", role: "root")
            } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
    }

    /// Runs one Auth call, exiting as etcdctl does when it fails.
    static func run<T>(_ setup: ClientSetup, _ body: (EtcdClient) throws -> T) -> T {
        let (client, _) = setup.mustClient()
        do { return try body(client) } catch {
            exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
        }
    }
}
