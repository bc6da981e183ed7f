/// A URL from etcd's URL-list flags (`--listen-client-urls` and friends): a scheme among
/// http, https, unix and unixs, a `host:port`, and no path. Validated as etcd's
/// `types.NewURLs` does, with its error texts.
public struct EtcdURL: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var scheme: String
    /// The host as written (IPv6 without brackets), e.g. `localhost`, `127.0.0.1`, `::1`.
    public var host: String
    /// The port as written; may be empty (`http://host:` is accepted by etcd).
    public var portText: String

    public init(scheme: String, host: String, portText: String) {
        self.scheme = scheme
        self.host = host
        self.portText = portText
    }

    /// The port as a number, if it is one.
    public var port: Int? { Int(portText) }

    /// `host:port` as in the URL (IPv6 hosts bracketed), what one binds or dials.
    public var hostPort: String { (host.contains(":") ? "[\(host)]" : host) + ":" + portText }

    public var description: String { scheme + "://" + hostPort }

    public var isUnix: Bool { scheme == "unix" || scheme == "unixs" }
    public var isSecure: Bool { scheme == "https" || scheme == "unixs" }

    public static func < (a: EtcdURL, b: EtcdURL) -> Bool { a.description < b.description }

    /// Parses a comma-separated list, sorted as etcd sorts them.
    public static func parseList(_ text: String) throws(ConfigError) -> [EtcdURL] {
        var urls: [EtcdURL] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            urls.append(try parse(item.trimmingCharacters(in: .whitespaces)))
        }
        return urls.sorted()
    }

    /// Parses one URL.
    public static func parse(_ text: String) throws(ConfigError) -> EtcdURL {
        guard let schemeEnd = text.range(of: "://") else {
            throw ConfigError("URL scheme must be http, https, unix, or unixs: \(text)")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard ["http", "https", "unix", "unixs"].contains(scheme) else {
            throw ConfigError("URL scheme must be http, https, unix, or unixs: \(text)")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var path = Substring("")
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            path = rest[slash...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }  // userinfo is not part of the address
        let authority = String(rest)
        if authority.hasPrefix("[") && !authority.contains("]") {
            throw ConfigError("parse \"\(text)\": missing ']' in host")
        }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            if !port.allSatisfy(\.isASCIIDigit) {
                throw ConfigError("parse \"\(text)\": invalid port \":\(port)\" after host")
            }
        }
        guard let (host, port) = splitHostPort(authority) else {
            throw ConfigError("URL address does not have the form \"host:port\": \(text)")
        }
        guard path.isEmpty else { throw ConfigError("URL must not contain a path: \(text)") }
        return EtcdURL(scheme: scheme, host: host, portText: port)
    }

    /// Go's `net.SplitHostPort`: `host:port` or `[v6]:port`, exactly one unbracketed colon.
    static func splitHostPort(_ s: String) -> (String, String)? {
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            let host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            guard after.hasPrefix(":") else { return nil }
            let port = after.dropFirst()
            guard !port.contains(":"), !port.contains("["), !port.contains("]") else { return nil }
            return (host, String(port))
        }
        let colons = s.filter { $0 == ":" }.count
        guard colons == 1, let colon = s.firstIndex(of: ":") else { return nil }
        let host = String(s[..<colon])
        guard !host.contains("["), !host.contains("]") else { return nil }
        return (host, String(s[s.index(after: colon)...]))
    }

    /// True when `host` is an IPv4 or IPv6 literal (Go's `net.ParseIP != nil`).
    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

import Foundation
import Glibc
