extension EtcdConfig {
    /// What `etcd` should do after reading its command line.
    public enum ParseOutcome: Sendable {
        /// Start the member. `notes` are lines to log first (environment variables used,
        /// ignored flags, defaults filled in), in the order etcd logs them.
        case run(EtcdConfig, notes: [ConfigNote])
        /// `--version`: print `EtcdConfig.versionText(...)` to stdout and exit 0.
        case printVersion
        /// `-h`/`--help`: `usage` to stderr, `flags` to stdout, exit 0 (as etcd does).
        case printHelp(usage: String, flags: String)
        case failure(ConfigFailure)
    }
}

/// A line to log once the logger exists (the configuration decides how to log).
public struct ConfigNote: Sendable, Equatable {
    public var level: LogLevel
    public var message: String
    public var fields: [LogField]

    public init(_ level: LogLevel, _ message: String, _ fields: [LogField] = []) {
        self.level = level
        self.message = message
        self.fields = fields
    }
}

/// A command line etcd refuses, and how etcd reports it.
public struct ConfigFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Refused by Go's flag package: the message and the usage go to stderr, exit 2.
        case usage
        /// Refused while checking the configuration: logged as "failed to verify flags", exit 1.
        case verification
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitCode: Int32 { kind == .usage ? 2 : 1 }

    /// Exactly what etcd writes to stderr for a `.usage` failure.
    public var usageText: String { message + "\n" + EtcdUsage.usage + "\n" }

    public var description: String { message }

    /// Writes the failure as etcd does: raw text for usage errors, log lines otherwise.
    public func report(to log: Logger) {
        switch kind {
        case .usage:
            log.writeRaw(usageText)
        case .verification:
            log.warn("failed to verify flags", ["error": .string(message)])
            if message == EtcdConfig.unsetAdvertiseClientURLs {
                log.warn("advertise client URLs are not set", ["error": .string(message)])
            }
        }
    }
}

extension EtcdConfig {
    static let unsetAdvertiseClientURLs = "--advertise-client-urls is required when --listen-client-urls is set explicitly"

    /// The `--version` text, in etcd's layout.
    public static func versionText(serverVersion: String) -> String {
        var system = utsname()
        uname(&system)
        let machine = withUnsafeBytes(of: system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let arch = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine
        return """
            etcd Version: \(serverVersion)
            Git SHA: Not provided (Keel)
            Go Version: none (Keel is written in Swift)
            Go OS/Arch: linux/\(arch)

            """
    }
}

import Glibc
