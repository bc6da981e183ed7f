import EtcdClient
/// The etcdctl command tree (ctlv3/ctl.go): every command of etcdctl 3.4, so that help and
/// prefix matching behave the same; the ones Keel does not implement yet say so when run.
enum RootCommand {
    static func make() -> Command {
        let root = Command(use: "etcdctl", short: "A simple command line client for etcd3.")
        root.persistentFlags = GlobalFlags.make()
        root.add(
            KVCommands.get(), KVCommands.put(), KVCommands.del(), TxnCommand.make(), KVCommands.compaction(),
            ClusterCommands.alarm(), ClusterCommands.defrag(), ClusterCommands.endpoint(),
            MoveLeaderCommand.make(),
            WatchCommand.make(), ClusterCommands.version(), LeaseCommands.make(), ClusterCommands.member(),
            SnapshotCommands.make(),
            MakeMirrorCommand.make(),
            Unsupported.command("migrate", "Migrates keys in a v2 store to a mvcc store"),
            LockCommands.lock(), LockCommands.elect(),
            AuthCommands.make(), UserCommands.make(), RoleCommands.make(),
            CheckCommands.make(),
            Unsupported.group("completion", "Generate the autocompletion script for the specified shell", [
                ("bash", "Generate the autocompletion script for bash"), ("fish", "Generate the autocompletion script for fish"),
                ("powershell", "Generate the autocompletion script for powershell"), ("zsh", "Generate the autocompletion script for zsh"),
            ]),
            help())
        root.addHelpFlagRecursively()
        return root
    }

    /// cobra's `help [command]`.
    static func help() -> Command {
        Command(use: "help [command]", short: "Help about any command", long: """
Help provides help for any command in the application.
Simply type etcdctl help [path to command] for full details.
""") { invocation in
            let root = invocation.command.root
            let (target, remaining) = Dispatcher.find(root, invocation.arguments)
            if target === root && !Dispatcher.stripFlags(remaining, root).isEmpty {
                // cobra prints the root's usage before the root ever added its help flag.
                Output.err("Unknown help topic \(GoFormat.list(invocation.arguments.map { "`\($0)`" }))\n")
                root.localFlags.removeAll { $0 === root.helpFlag }
            }
            Usage.print(target)
        }
    }
}
