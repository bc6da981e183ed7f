import Foundation
import Glibc

// chaos: runs Keel's etcd under a nemesis and checks what clients saw. See chaos/README.md.
exit(ChaosCommand.main(Array(CommandLine.arguments.dropFirst())))
