import Glibc

enum HostName {
    /// True for an IPv4 or IPv6 literal (verified against the certificate's IP SANs, no SNI).
    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
