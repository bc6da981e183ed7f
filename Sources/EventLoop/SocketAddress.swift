import CLibUV
import Glibc

/// Numeric IPv4/IPv6 socket addresses for libuv's bind/connect.
struct SocketAddress {
    var storage = sockaddr_storage()

    /// Accepts dotted IPv4, IPv6 (optionally in brackets) and "localhost" (as 127.0.0.1).
    init(host: String, port: Int) throws(LoopError) {
        var name = host
        if name == "localhost" || name.isEmpty { name = "127.0.0.1" }
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard (0...65535).contains(port) else { throw LoopError(code: UV_EINVAL.rawValue, operation: "port \(port)") }
        let status: Int32 = withUnsafeMutableBytes(of: &storage) { raw in
            if name.contains(":") {
                return uv_ip6_addr(name, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
            }
            return uv_ip4_addr(name, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
        }
        try LoopError.check(status, "parse address \(host)")
    }

    init(storage: sockaddr_storage) { self.storage = storage }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self)) }
    }

    var port: Int {
        withUnsafeBytes(of: storage) { raw -> Int in
            if storage.ss_family == sa_family_t(AF_INET6) {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// "ip:port" (IPv6 as "[ip]:port").
    var description: String {
        var text = [CChar](repeating: 0, count: 64)
        return withUnsafeBytes(of: storage) { raw -> String in
            if storage.ss_family == sa_family_t(AF_INET6) {
                _ = uv_ip6_name(raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self), &text, text.count)
                return "[\(SocketAddress.string(text))]:\(port)"
            }
            _ = uv_ip4_name(raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self), &text, text.count)
            return "\(SocketAddress.string(text)):\(port)"
        }
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
