import EtcdClient
import Glibc

/// Commands of etcdctl 3.4 that Keel's etcdctl lists but does not implement yet: they say so
/// and exit 1, rather than pretend.
enum Unsupported {
    static func command(_ use: String, _ short: String, long: String = "", flags: [Flag] = []) -> Command {
        let command = Command(use: use, short: short, long: long) { invocation in
            exitWithError(ExitCode.error, "\(invocation.command.path) is not supported by Keel's etcdctl yet")
        }
        command.localFlags = flags
        return command
    }

    static func group(_ use: String, _ short: String, _ children: [(String, String)]) -> Command {
        let group = Command(use: use, short: short)
        for (childUse, childShort) in children { group.add(command(childUse, childShort)) }
        return group
    }
}
