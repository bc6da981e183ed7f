import EtcdClient
import Glibc

// ETCDCTL_API: only version 3 is provided; etcdctl unsets it before reading ETCDCTL_* flags.
if let api = getenv("ETCDCTL_API").map({ String(cString: $0) }) {
    unsetenv("ETCDCTL_API")
    if !api.isEmpty && api != "3" {
        Output.err("unsupported API version \(api)\n")
        exit(1)
    }
}
Dispatcher.execute(root: RootCommand.make(), arguments: Array(CommandLine.arguments.dropFirst()))
