/// One server address from an endpoints list: "127.0.0.1:2379", "http://host:port", "localhost:2379".
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    /// The text as the user gave it (etcdctl prints endpoints back verbatim).
    public var text: String
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.text = "\(host):\(port)"
        self.host = host
        self.port = port
    }

    /// Parses an endpoint; `https://` is refused because Keel's client has no TLS yet.
    public init(parsing text: String) throws(EtcdError) {
        self.text = text
        var rest = Substring(text)
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst("http://".count)
        } else if rest.hasPrefix("https://") || rest.hasPrefix("unixs://") || rest.hasPrefix("unix://") {
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
