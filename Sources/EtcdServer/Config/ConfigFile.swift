import Foundation
import Glibc
import Yams

extension EtcdConfig {
    /// Reads an etcd 3.4 YAML configuration file (the keys are the flag names, plus
    /// `client-transport-security` and `peer-transport-security` blocks). Keys etcd does not
    /// know are ignored, as etcd ignores them. Durations may be written as etcd's file format
    /// wants them (integer nanoseconds) or as Go durations ("5s").
    public static func fromFile(_ path: String) throws(ConfigError) -> EtcdConfig {
        let text = try readFile(path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError("error converting YAML to JSON: \(error)")
        }
        var config = EtcdConfig()
        config.configFile = path
        guard let root else { return config }
        guard let mapping = root.mapping else {
            throw ConfigError("error unmarshaling JSON: json: cannot unmarshal \(jsonKind(root)) into Go value of type embed.configYAML")
        }
        let flags = EtcdFlag.all
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { continue }
            switch key {
            case "client-transport-security":
                try config.applySecurity(value, to: \.clientTLS, key: key)
            case "peer-transport-security":
                try config.applySecurity(value, to: \.peerTLS, key: key)
            case "config-file", "version":
                continue  // not part of etcd's file format
            default:
                guard let flag = flags.first(where: { $0.name == key }), flag.kind != .ignored else { continue }
                guard let text = try flagText(value, key: key, isDuration: durationKeys.contains(key)) else { continue }
                do {
                    try flag.set(&config, text)
                } catch {
                    if urlKeys.contains(key) { throw ConfigError("unexpected error setting up \(key): \(error.message)") }
                    throw ConfigError("error unmarshaling JSON: invalid value \(goQuote(text)) for \(key): \(error.message)")
                }
            }
        }
        // As on the command line, discovery replaces the default initial cluster.
        if (!config.discovery.isEmpty || !config.discoverySrv.isEmpty) && config.initialCluster == EtcdConfig().initialCluster {
            config.initialCluster = ""
        }
        return config
    }

    private static let urlKeys: Set<String> = [
        "listen-peer-urls", "listen-client-urls", "initial-advertise-peer-urls", "advertise-client-urls", "listen-metrics-urls",
    ]

    private static let durationKeys: Set<String> = [
        "backend-batch-interval", "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
        "experimental-corrupt-check-time", "experimental-watch-progress-notify-interval", "experimental-warning-apply-duration",
        "experimental-lease-checkpoint-interval",
    ]

    /// The value of a key as flag text: scalars as written, sequences joined with commas,
    /// bare integers for durations read as nanoseconds. Nil for a null value.
    private static func flagText(_ node: Node, key: String, isDuration: Bool) throws(ConfigError) -> String? {
        if let sequence = node.sequence {
            return sequence.compactMap { $0.scalar?.string }.joined(separator: ",")
        }
        guard let scalar = node.scalar else {
            throw ConfigError("error unmarshaling JSON: json: cannot unmarshal object into Go struct field configYAML.\(key)")
        }
        if scalar.style == .plain && ["~", "null", "Null", "NULL", ""].contains(scalar.string) { return nil }
        if isDuration, scalar.string.allSatisfy(\.isASCIIDigit) { return scalar.string + "ns" }
        return scalar.string
    }

    private mutating func applySecurity(_ node: Node, to path: WritableKeyPath<EtcdConfig, TLS>, key: String) throws(ConfigError) {
        guard let mapping = node.mapping else { return }
        for (keyNode, value) in mapping {
            guard let field = keyNode.scalar?.string, let text = value.scalar?.string else { continue }
            switch field {
            case "cert-file": self[keyPath: path].certFile = text
            case "key-file": self[keyPath: path].keyFile = text
            case "trusted-ca-file": self[keyPath: path].trustedCAFile = text
            case "client-cert-auth", "auto-tls":
                guard let flag = GoValues.bool(text) else {
                    throw ConfigError("error unmarshaling JSON: json: cannot unmarshal \(goQuote(text)) into Go struct field securityConfig.\(key).\(field) of type bool")
                }
                if field == "auto-tls" { self[keyPath: path].autoTLS = flag } else { self[keyPath: path].clientCertAuth = flag }
            default: continue
            }
        }
    }

    private static func jsonKind(_ node: Node) -> String {
        node.sequence != nil ? "array" : "string"
    }

    /// The file's text; errors read like Go's ("open x: no such file or directory").
    private static func readFile(_ path: String) throws(ConfigError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ConfigError("open \(path): \(goErrorText(errno))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError("read \(path): \(goErrorText(errno))")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// strerror text in Go's spelling (lowercase first letter).
    private static func goErrorText(_ number: Int32) -> String {
        let text = String(cString: strerror(number))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
