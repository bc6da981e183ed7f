import Foundation

extension EtcdIntegration {
    /// The real etcdctl 3.4 (v3 API), run to completion and killed after `timeout` seconds.
    static func etcdctl(_ arguments: [String], stdin: String? = nil, timeout: Double = 20) throws -> CommandResult {
        try runCommand(IntegrationPaths.realEtcdctl, arguments, stdin: stdin,
                       environment: etcdctlEnvironment, timeout: timeout)
    }

    /// etcdctl started in the background (a watcher), with stdin as an open pipe when `interactive`.
    static func startEtcdctl(_ arguments: [String], interactive: Bool = false) throws -> ChildProcess {
        try ChildProcess(executable: IntegrationPaths.realEtcdctl, arguments: arguments,
                         environment: etcdctlEnvironment, stdin: interactive ? .pipe : .none,
                         outputDirectory: IntegrationPaths.scratch, label: "etcdctl-bg")
    }

    static let etcdctlEnvironment = ChildProcess.cleanEnvironment(adding: ["ETCDCTL_API": "3"])
}
