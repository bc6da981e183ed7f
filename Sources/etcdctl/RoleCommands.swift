import EtcdAPI
import EtcdClient
import Foundation

/// role add|delete|get|list|grant-permission|revoke-permission (role_command.go).
enum RoleCommands {
    static func make() -> Command {
        let role = Command(use: "role <subcommand>", short: "Role related commands")
        role.add(add(), delete(), get(), list(), grantPermission(), revokePermission())
        return role
    }

    static func add() -> Command {
        Command(use: "add <role name>", short: "Adds a new role") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "role add command requires role name as its argument") }
            let name = invocation.arguments[0]
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.roleAdd(name) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "Role \(name) created\n")
        }
    }

    static func delete() -> Command {
        Command(use: "delete <role name>", short: "Deletes a role") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "role delete command requires role name as its argument") }
            let name = invocation.arguments[0]
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.roleDelete(name) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "Role \(name) deleted\n")
        }
    }

    static func get() -> Command {
        Command(use: "get <role name>", short: "Gets detailed information of a role") { invocation in
            guard invocation.arguments.count == 1 else { exitWithError(ExitCode.badArgs, "role get command requires role name as its argument") }
            let name = invocation.arguments[0]
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.roleGet(name) }
            show(name, response, AuthDisplay(invocation))
        }
    }

    static func show(_ name: String, _ response: Etcdserverpb_AuthRoleGetResponse, _ display: AuthDisplay) {
        display.show(response, header: response.header, simple: AuthDisplay.roleSimple(name, response.perm),
                     json: { $0.array("perm", AuthDisplay.permissionsJSON(response.perm)) },
                     fieldLines: { AuthDisplay.permissionFields(response.perm) })
    }

    static func list() -> Command {
        Command(use: "list", short: "Lists all roles") { invocation in
            guard invocation.arguments.isEmpty else { exitWithError(ExitCode.badArgs, "role list command requires no arguments") }
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.roleList() }
            AuthDisplay(invocation).show(response, header: response.header, simple: response.roles.map { "\($0)\n" }.joined(),
                                         json: { $0.array("roles", response.roles.map(GoFormat.jsonString)) },
                                         fieldLines: { "\"Roles\" :" + response.roles.map { " " + GoFormat.quote($0) }.joined() + "\n" })
        }
    }

    static func permissionFlags(_ verb: String) -> [Flag] {
        [
            Flag("prefix", kind: .bool, defaultValue: "false", usage: "\(verb) a prefix permission"),
            Flag("from-key", kind: .bool, defaultValue: "false",
                 usage: "\(verb) a permission of keys that are greater than or equal to the given key using byte compare"),
        ]
    }

    static func grantPermission() -> Command {
        let command = Command(use: "grant-permission [options] <role name> <permission type> <key> [endkey]",
                              short: "Grants a key to a role") { invocation in
            let args = invocation.arguments
            guard args.count >= 3 else {
                exitWithError(ExitCode.badArgs, "role grant command requires role name, permission type, and key [endkey] as its argument")
            }
            let type: Authpb_Permission.TypeEnum
            switch args[1].uppercased() {
            case "READ": type = .read
            case "WRITE": type = .write
            case "READWRITE": type = .readwrite
            default: exitWithError(ExitCode.badArgs, "invalid permission type: \(args[1])")
            }
            let (key, rangeEnd) = permissionRange(Array(args[2...]), invocation)
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) {
                try $0.roleGrantPermission(args[0], key: key, rangeEnd: rangeEnd, type: type)
            }
            AuthDisplay(invocation).show(response, header: response.header, simple: "Role \(args[0]) updated\n")
        }
        command.localFlags = permissionFlags("grant")
        return command
    }

    static func revokePermission() -> Command {
        let command = Command(use: "revoke-permission <role name> <key> [endkey]", short: "Revokes a key from a role") { invocation in
            let args = invocation.arguments
            guard args.count >= 2 else {
                exitWithError(ExitCode.badArgs, "role revoke-permission command requires role name and key [endkey] as its argument")
            }
            let (key, rangeEnd) = permissionRange(Array(args[1...]), invocation)
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) {
                try $0.roleRevokePermission(args[0], key: key, rangeEnd: rangeEnd)
            }
            let simple: String
            let end = String(decoding: rangeEnd, as: UTF8.self)
            if rangeEnd.isEmpty {
                simple = "Permission of key \(args[1]) is revoked from role \(args[0])\n"
            } else if rangeEnd != Data([0]) {
                simple = "Permission of range [\(args[1]), \(end)) is revoked from role \(args[0])\n"
            } else {
                simple = "Permission of range [\(args[1]), <open ended> is revoked from role \(args[0])\n"
            }
            AuthDisplay(invocation).show(response, header: response.header, simple: simple)
        }
        command.localFlags = permissionFlags("revoke")
        return command
    }

    /// permRange: the key and range end from the arguments and --prefix/--from-key.
    static func permissionRange(_ args: [String], _ invocation: Invocation) -> (key: Data, rangeEnd: Data) {
        let prefix = invocation.bool("prefix"), fromKey = invocation.bool("from-key")
        let key = Data(args[0].utf8)
        if key.isEmpty {
            if prefix && fromKey { exitWithError(ExitCode.badArgs, "--from-key and --prefix flags are mutually exclusive") }
            return (Data([0]), prefix || fromKey ? Data([0]) : Data())
        }
        if args.count == 1 {
            if prefix {
                if fromKey { exitWithError(ExitCode.badArgs, "--from-key and --prefix flags are mutually exclusive") }
                return (key, Data(AuthDisplay.prefixRangeEnd(Array(key))))
            }
            return (key, fromKey ? Data([0]) : Data())
        }
        if prefix { exitWithError(ExitCode.badArgs, "unexpected endkey argument with --prefix flag") }
        if fromKey { exitWithError(ExitCode.badArgs, "unexpected endkey argument with --from-key flag") }
        return (key, Data(args[1].utf8))
    }
}
