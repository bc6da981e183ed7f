import EtcdClient
import Foundation

/// Turns a command's flags (and ETCDCTL_* variables) into a printer and a client, as
/// ctlv3/command/global.go does, with the same errors and exit codes.
struct ClientSetup {
    let invocation: Invocation

    /// flags.SetPflagsFromEnv("ETCDCTL", inherited flags), with capnslog's warnings.
    static func applyEnvironment(_ flags: [Flag], extraUsed: [String] = []) {
        var alreadySet = Set<String>()
        var used = Set<String>()
        let environment = ProcessInfo.processInfo.environment
        for flag in flags.sorted(by: { $0.name < $1.name }) {
            let key = envName(flag.name)
            if flag.changed { alreadySet.insert(key); continue }
            if let value = environment[key], !value.isEmpty {
                used.insert(key)
                try? flag.set(value)  // etcdctl ignores a bad value from the environment
            }
        }
        for key in extraUsed where !(environment[key] ?? "").isEmpty { used.insert(key) }
        for entry in environOrder() {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let key = String(entry[..<equals])
            if used.contains(key) { continue }
            if alreadySet.contains(key) {
                Output.err(capnslog("C", "conflicting environment variable \(GoFormat.quote(key)) is shadowed by corresponding command-line flag (either unset environment variable or disable flag)"))
                exit(1)
            }
            if entry.hasPrefix("ETCDCTL_") {
                Output.err(capnslog("W", "unrecognized environment variable \(entry)"))
            }
        }
    }

    static func envName(_ flagName: String) -> String {
        "ETCDCTL_" + flagName.replacingOccurrences(of: "-", with: "_").uppercased()
    }

    /// The environment in the process's own order (os.Environ()).
    static func environOrder() -> [String] {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            entries.append(String(cString: entry))
            pointer += 1
        }
        return entries
    }

    /// A capnslog line: "2006-01-02 15:04:05.000000 W | pkg/flags: message".
    static func capnslog(_ level: String, _ message: String) -> String {
        var time = timeval()
        gettimeofday(&time, nil)
        var parts = tm()
        var seconds = time.tv_sec
        localtime_r(&seconds, &parts)
        let stamp = String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                           Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(time.tv_usec))
        return "\(stamp) \(level) | pkg/flags: \(message)\n"
    }

    /// clientConfigFromCmd: environment, debug dump, endpoints, and the display.
    func configure(watchKeys: Bool = false) -> (EtcdClientConfig, Printer) {
        let inherited = invocation.command.inheritedFlags
        ClientSetup.applyEnvironment(inherited, extraUsed: watchKeys ? ["ETCDCTL_WATCH_KEY", "ETCDCTL_WATCH_RANGE_END"] : [])
        if invocation.bool("debug") {
            for flag in inherited.sorted(by: { $0.name < $1.name }) {
                Output.err("\(ClientSetup.envName(flag.name))=\(ClientSetup.display(flag))\n")
            }
        }
        checkSecurityFlags()
        let printer = display()
        return (clientConfig(), printer)
    }

    /// Security flags: etcdctl's own checks (TLS flags are read in `tlsOptions()`, credentials
    /// in `credentials()`), then an explicit refusal of DNS discovery, which Keel's client lacks.
    func checkSecurityFlags() {
        for name in ["cert", "key", "cacert"] where invocation.flag(name).changed && invocation.string(name).isEmpty {
            exitWithError(ExitCode.badArgs, "empty string is passed to --\(name) option")
        }
        if !invocation.string("discovery-srv").isEmpty {
            exitWithError(ExitCode.badArgs, "DNS discovery (--discovery-srv) is not supported by Keel's etcdctl yet")
        }
    }

    /// pflag's Value.String() for the debug dump.
    static func display(_ flag: Flag) -> String {
        switch flag.kind {
        case .stringSlice: GoFormat.list(flag.sliceValue).replacingOccurrences(of: " ", with: ",")
        case .duration: GoFormat.duration(nanoseconds: flag.durationMilliseconds * 1_000_000)
        default: flag.value
        }
    }

    /// initDisplayFromCmd.
    func display() -> Printer {
        guard let printer = Printers.make(invocation.string("write-out"), hex: invocation.bool("hex"), sink: StandardSink()) else {
            exitWithError(ExitCode.badFeature, "unsupported output format")
        }
        return printer
    }

    var endpointTexts: [String] {
        invocation.flag("endpoints").sliceValue.map { $0.trimmingCharacters(in: " \t\n") }
    }

    func clientConfig(endpoints: [String]? = nil) -> EtcdClientConfig {
        let texts = endpoints ?? endpointTexts
        var parsed: [Endpoint] = []
        for text in texts {
            do { parsed.append(try Endpoint(parsing: text)) } catch { exitWithError(ExitCode.badArgs, asEtcdError(error).message) }
        }
        if parsed.isEmpty { exitWithError(ExitCode.badConnection, "etcdclient: no available endpoints") }
        var config = EtcdClientConfig(endpoints: parsed,
                                      dialTimeoutMilliseconds: max(invocation.flag("dial-timeout").durationMilliseconds, 1),
                                      requestTimeoutMilliseconds: commandTimeoutMilliseconds)
        config.tls = tlsOptions()
        if let credentials = credentials() {
            config.username = credentials.user
            config.password = credentials.password
        }
        return config
    }

    /// authCfgFromCmd: --user name[:password], or --user name with --password, or a prompt.
    func credentials() -> (user: String, password: String)? {
        let user = invocation.string("user"), password = invocation.string("password")
        guard !user.isEmpty else { return nil }
        if !password.isEmpty { return (user, password) }
        if let colon = user.firstIndex(of: ":") {
            return (String(user[..<colon]), String(user[user.index(after: colon)...]))
        }
        guard let asked = PasswordPrompt.ask("Password: ") else { exitWithError(ExitCode.error, "EOF") }
        return (user, asked)
    }

    var commandTimeoutMilliseconds: UInt64 { invocation.flag("command-timeout").durationMilliseconds }

    /// mustClientFromCmd: configure, then connect lazily (clientv3.New does not block).
    func mustClient(watchKeys: Bool = false) -> (EtcdClient, Printer) {
        let (config, printer) = configure(watchKeys: watchKeys)
        return (ClientSetup.connect(config), printer)
    }

    static func connect(_ config: EtcdClientConfig) -> EtcdClient {
        let client: EtcdClient
        do { client = try EtcdClient(config: config) } catch { exitWithError(ExitCode.badConnection, asEtcdError(error).description) }
        // clientv3.New gets the token before anything else, within the dial timeout.
        if config.username != nil {
            let endpoints = config.endpoints.map(\.description)
            do {
                // clientv3 goes on without a token, but its interceptor still logs the refusal.
                if try !client.authenticate(timeout: .milliseconds(config.dialTimeoutMilliseconds)) {
                    _ = report(EtcdError.authNotEnabled, endpoints: endpoints)
                }
            } catch {
                exitWithError(ExitCode.badConnection, report(error, endpoints: endpoints))
            }
        }
        return client
    }

    /// The error as clientv3 prints it. For a unary call, grpc-go's retry interceptor first
    /// logs the failed attempt as a zap warning; `passthrough` marks calls that clientv3 makes
    /// on a connection dialed to one endpoint (Status, HashKV, Defragment).
    static func report(_ anyError: any Error, endpoints: [String], unary: Bool = true, passthrough: Bool = false) -> String {
        let error = asEtcdError(anyError)
        if unary, error != .canceled {
            let endpoint = endpoints.first ?? ""
            let target = passthrough ? "passthrough:///\(endpoint)" : "endpoint://client-\(UUID().uuidString.lowercased())/\(endpoint)"
            Output.err(retryWarning(target: target, error: attemptError(error, endpoint: endpoint, passthrough: passthrough)))
        }
        return error.description
    }

    /// What the failed attempt reported: the status, or the balancer's state when no
    /// connection was ever made.
    static func attemptError(_ error: EtcdError, endpoint: String, passthrough: Bool) -> String {
        guard error.neverConnected else { return error.statusDescription }
        var balancer = "all SubConns are in TransientFailure"
        if passthrough, let reason = error.lastConnectError, reason.contains("ECONNREFUSED") {
            balancer = "connection error: desc = \"transport: Error while dialing dial tcp \(endpoint): connect: connection refused\""
        }
        return "rpc error: code = DeadlineExceeded desc = latest balancer error: \(balancer)"
    }

    static func retryWarning(target: String, error: String) -> String {
        "{\"level\":\"warn\",\"ts\":\"\(ZapTime.iso8601())\",\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\(zapString(target)),\"attempt\":0,\"error\":\(zapString(error))}\n"
    }

    /// zap's JSON string encoding (no HTML escapes, unlike encoding/json).
    static func zapString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// zap's timestamps: ISO 8601 with milliseconds (clientv3's logger) or epoch seconds (etcdctl's
/// production logger).
enum ZapTime {
    static func iso8601() -> String {
        var time = timeval()
        gettimeofday(&time, nil)
        var parts = tm()
        var seconds = time.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(time.tv_usec / 1000))
    }

    static func epoch() -> String {
        var time = timeval()
        gettimeofday(&time, nil)
        var text = String(format: "%d.%06d", Int(time.tv_sec), Int(time.tv_usec))
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// The client throws only `EtcdError`; untyped `catch` blocks get it back here.
func asEtcdError(_ error: any Error) -> EtcdError {
    error as? EtcdError ?? EtcdError(code: .unknown, message: "\(error)")
}
