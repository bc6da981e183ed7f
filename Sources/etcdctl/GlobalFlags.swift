import EtcdClient
/// The root command's persistent flags (ctlv3/ctl.go), with their defaults and usage texts.
enum GlobalFlags {
    static func make() -> [Flag] {
        [
            Flag("endpoints", kind: .stringSlice, defaultValue: "127.0.0.1:2379", usage: "gRPC endpoints"),
            Flag("debug", kind: .bool, defaultValue: "false", usage: "enable client-side debug logging"),
            Flag("write-out", shorthand: "w", kind: .string, defaultValue: "simple",
                 usage: "set the output format (fields, json, protobuf, simple, table)"),
            Flag("hex", kind: .bool, defaultValue: "false", usage: "print byte strings as hex encoded strings"),
            Flag("dial-timeout", kind: .duration, defaultValue: "2s", usage: "dial timeout for client connections"),
            Flag("command-timeout", kind: .duration, defaultValue: "5s",
                 usage: "timeout for short running command (excluding dial timeout)"),
            Flag("keepalive-time", kind: .duration, defaultValue: "2s", usage: "keepalive time for client connections"),
            Flag("keepalive-timeout", kind: .duration, defaultValue: "6s", usage: "keepalive timeout for client connections"),
            Flag("insecure-transport", kind: .bool, defaultValue: "true", usage: "disable transport security for client connections"),
            Flag("insecure-discovery", kind: .bool, defaultValue: "true", usage: "accept insecure SRV records describing cluster endpoints"),
            Flag("insecure-skip-tls-verify", kind: .bool, defaultValue: "false",
                 usage: "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)"),
            Flag("cert", kind: .string, defaultValue: "", usage: "identify secure client using this TLS certificate file"),
            Flag("key", kind: .string, defaultValue: "", usage: "identify secure client using this TLS key file"),
            Flag("cacert", kind: .string, defaultValue: "", usage: "verify certificates of TLS-enabled secure servers using this CA bundle"),
            Flag("user", kind: .string, defaultValue: "", usage: "username[:password] for authentication (prompt if password is not supplied)"),
            Flag("password", kind: .string, defaultValue: "",
                 usage: "password for authentication (if this option is used, --user option shouldn't include password)"),
            Flag("discovery-srv", shorthand: "d", kind: .string, defaultValue: "",
                 usage: "domain name to query for SRV records describing cluster endpoints"),
            Flag("discovery-srv-name", kind: .string, defaultValue: "", usage: "service name to query when using DNS discovery"),
        ]
    }
}
