import Foundation

/// The `etcd` command: reads flags, environment and config file the way etcd 3.4 does, then runs
/// the member until a signal stops it.
public enum EtcdMain {
    public static func run(arguments: [String], environment: [String: String]) -> Int32 {
        unblockStopSignals()
        QuitSignal.install()
        switch EtcdConfig.parse(arguments: arguments, environment: environment) {
        case .printVersion:
            FileHandle.standardOutput.write(Data(EtcdConfig.versionText(serverVersion: EtcdVersion.server).utf8))
            return 0
        case .printHelp(let usage, let flags):
            FileHandle.standardError.write(Data(usage.utf8))
            FileHandle.standardOutput.write(Data(flags.utf8))
            return 0
        case .failure(let failure):
            failure.report(to: Logger(level: .info))
            return failure.exitCode
        case .run(let config, let notes):
            let log: Logger
            do {
                log = try Logger(level: config.effectiveLogLevel, outputs: config.logOutputs)
            } catch {
                Logger(level: .info).warn("failed to verify flags", ["error": .string(error.message)])
                return 1
            }
            for note in notes { log.log(note.level, note.message, fields: note.fields) }
            do {
                var options = try MemberOptions(config: config)
                options.security = try TransportSecurity(config: config, log: log)
                let listens = config.listenClientURLs.map {
                    EtcdServerProcess.Listen(host: $0.host, port: $0.port ?? 2379, secure: $0.isSecure)
                }
                return EtcdServerProcess(options: options, clientListens: listens, log: log).run()
            } catch {
                log.warn("failed to verify flags", ["error": .string(error.message)])
                return 1
            }
        }
    }

    /// A parent may have started us with SIGTERM/SIGINT blocked (children inherit the mask);
    /// the member must still stop on them, as Go programs do.
    private static func unblockStopSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
