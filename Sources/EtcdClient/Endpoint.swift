/// One server address from an endpoints list: "127.0.0.1:2379", "http://host:port", "localhost:2379".
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    /// The text as the user gave it (etcdctl prints endpoints back verbatim).
    public var text: String
    public var host: String
    public var port: Int
    /// The scheme written, if any: "http" means plain TCP, "https" TLS, none follows the client's
    /// TLS configuration (as clientv3 does).
    public var scheme: String?

    public init(host: String, port: Int) {
        self.text = "\(host):\(port)"
        self.host = host
        self.port = port
    }

    /// Parses an endpoint; unix sockets are refused (Keel's client dials TCP only).
    public init(parsing text: String) throws(EtcdError) {
        self.text = text
        var rest = Substring(text)
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst("http://".count)
            scheme = "http"
        } else if rest.hasPrefix("https://") {
            rest = rest.dropFirst("https://".count)
            scheme = "https"
        } else if rest.hasPrefix("unixs://") || rest.hasPrefix("unix://") {
            throw EtcdError(code: .unimplemented, message: "unsupported endpoint scheme in \(text)")
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
              port > 0, port < 65536 else {
            throw EtcdError(code: .invalidArgument, message: "invalid endpoint \(text)")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "127.0.0.1" : host
        self.port = port
    }

    public var description: String { text }
}
