import EtcdServer
import Foundation

exit(EtcdMain.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
