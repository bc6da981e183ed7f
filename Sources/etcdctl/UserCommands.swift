import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// user add|delete|get|list|passwd|grant-role|revoke-role (user_command.go).
enum UserCommands {
    static func make() -> Command {
        let user = Command(use: "user <subcommand>", short: "User related commands")
        user.add(add(), delete(), get(), list(), passwd(), grantRole(), revokeRole())
        return user
    }

    static func add() -> Command {
        let command = Command(use: "add <user name or user:password> [options]", short: "Adds a new user") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "user add command requires user name as its argument")
            }
            let argument = invocation.arguments[0]
            var name = argument, password = ""
            let noPassword = invocation.bool("no-password")
            if !noPassword {
                let fromFlag = invocation.string("new-user-password")
                if !fromFlag.isEmpty {
                    password = fromFlag
                } else if let colon = argument.firstIndex(of: ":") {
                    name = String(argument[..<colon])
                    password = String(argument[argument.index(after: colon)...])
                    if name.isEmpty { exitWithError(ExitCode.badArgs, "empty user name is not allowed") }
                } else {
                    password = invocation.bool("interactive") ? PasswordPrompt.askTwice(for: argument) : PasswordPrompt.scanWord()
                }
            }
            let setup = ClientSetup(invocation: invocation)
            let response = AuthCommands.run(setup) { try $0.userAdd(name, password: password, noPassword: noPassword) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "User \(name) created\n")
        }
        command.localFlags = [
            Flag("interactive", kind: .bool, defaultValue: "true", usage: "Read password from stdin instead of interactive terminal"),
            Flag("new-user-password", kind: .string, defaultValue: "", usage: "Supply password from the command line flag"),
            Flag("no-password", kind: .bool, defaultValue: "false", usage: "Create a user without password (CN based auth only)"),
        ]
        return command
    }

    static func delete() -> Command {
        Command(use: "delete <user name>", short: "Deletes a user") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "user delete command requires user name as its argument")
            }
            let name = invocation.arguments[0]
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.userDelete(name) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "User \(name) deleted\n")
        }
    }

    static func get() -> Command {
        let command = Command(use: "get <user name> [options]", short: "Gets detailed information of a user") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "user get command requires user name as its argument")
            }
            let name = invocation.arguments[0]
            let setup = ClientSetup(invocation: invocation)
            let response = AuthCommands.run(setup) { try $0.userGet(name) }
            let display = AuthDisplay(invocation)
            guard invocation.bool("detail") else {
                return display.show(response, header: response.header,
                                    simple: "User: \(name)\nRoles:" + response.roles.map { " \($0)" }.joined() + "\n",
                                    json: { $0.array("roles", response.roles.map(GoFormat.jsonString)) }, fieldLines: nil)
            }
            Output.out("User: \(name)\n")
            for role in response.roles {
                Output.out("\n")
                let roleResponse = AuthCommands.run(setup) { try $0.roleGet(role) }
                RoleCommands.show(role, roleResponse, display)
            }
        }
        command.localFlags = [Flag("detail", kind: .bool, defaultValue: "false", usage: "Show permissions of roles granted to the user")]
        return command
    }

    static func list() -> Command {
        Command(use: "list", short: "Lists all users") { invocation in
            guard invocation.arguments.isEmpty else { exitWithError(ExitCode.badArgs, "user list command requires no arguments") }
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.userList() }
            AuthDisplay(invocation).show(response, header: response.header, simple: response.users.map { "\($0)\n" }.joined(),
                                         json: { $0.array("users", response.users.map(GoFormat.jsonString)) }, fieldLines: nil)
        }
    }

    static func passwd() -> Command {
        let command = Command(use: "passwd <user name> [options]", short: "Changes password of user") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "user passwd command requires user name as its argument")
            }
            let name = invocation.arguments[0]
            let password = invocation.bool("interactive") ? PasswordPrompt.askTwice(for: name) : PasswordPrompt.scanWord()
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.userChangePassword(name, password: password) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "Password updated\n")
        }
        command.localFlags = [Flag("interactive", kind: .bool, defaultValue: "true",
                                   usage: "If true, read password from stdin instead of interactive terminal")]
        return command
    }

    static func grantRole() -> Command {
        Command(use: "grant-role <user name> <role name>", short: "Grants a role to a user") { invocation in
            guard invocation.arguments.count == 2 else {
                exitWithError(ExitCode.badArgs, "user grant command requires user name and role name as its argument")
            }
            let (user, role) = (invocation.arguments[0], invocation.arguments[1])
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.userGrantRole(user, role: role) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "Role \(role) is granted to user \(user)\n")
        }
    }

    static func revokeRole() -> Command {
        Command(use: "revoke-role <user name> <role name>", short: "Revokes a role from a user") { invocation in
            guard invocation.arguments.count == 2 else {
                exitWithError(ExitCode.badArgs, "user revoke-role requires user name and role name as its argument")
            }
            let (user, role) = (invocation.arguments[0], invocation.arguments[1])
            let response = AuthCommands.run(ClientSetup(invocation: invocation)) { try $0.userRevokeRole(user, role: role) }
            AuthDisplay(invocation).show(response, header: response.header, simple: "Role \(role) is revoked from user \(user)\n")
        }
    }
}

/// Passwords from the terminal (speakeasy) or from stdin (fmt.Scanf("%s")).
enum PasswordPrompt {
    /// fmt.Scanf("%s"): the first whitespace-delimited word of stdin ("" when there is none).
    static func scanWord() -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(0, &byte, 1) == 1 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                if bytes.isEmpty && byte != 0x0A { continue }
                break
            }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// speakeasy.Ask: the prompt on stdout, a line read without echo.
    static func ask(_ prompt: String) -> String? {
        Output.out(prompt)
        var original = termios()
        let isTerminal = tcgetattr(0, &original) == 0
        if isTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &silent)
        }
        defer {
            if isTerminal {
                tcsetattr(0, TCSANOW, &original)
                Output.out("\n")
            }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var sawAny = false
        while read(0, &byte, 1) == 1 {
            sawAny = true
            if byte == 0x0A { break }
            if byte != 0x0D { bytes.append(byte) }
        }
        return sawAny ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// readPasswordInteractive: asked twice, must match and not be empty.
    static func askTwice(for name: String) -> String {
        guard let first = ask("Password of \(name): ") else { exitWithError(ExitCode.badArgs, "failed to ask password: EOF") }
        if first.isEmpty { exitWithError(ExitCode.badArgs, "empty password") }
        guard let second = ask("Type password of \(name) again for confirmation: ") else {
            exitWithError(ExitCode.badArgs, "failed to ask password: EOF")
        }
        if first != second { exitWithError(ExitCode.badArgs, "given passwords are different") }
        return first
    }
}
