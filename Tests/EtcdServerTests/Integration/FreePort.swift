import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// Free loopback ports: a random port below the kernel's ephemeral range (32768-60999 on
    /// Linux) that can be bound right now. Below that range, the local end of some outgoing
    /// connection (etcdctl, a member dialling a peer) can never take the port between this
    /// check and the server's bind. `taken` avoids handing out the same port twice within this
    /// process.
    enum FreePort {
        nonisolated(unsafe) private static var taken: Set<UInt16> = []
        private static let lock = NSLock()

        static func next() -> UInt16 {
            lock.lock(); defer { lock.unlock() }
            for _ in 0..<50 {
                let port = UInt16.random(in: 15_000..<32_000)
                if !taken.contains(port) && canBind(port) {
                    taken.insert(port)
                    return port
                }
            }
            preconditionFailure("no free loopback port after 50 attempts")
        }

        private static func canBind(_ port: UInt16) -> Bool {
            #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
        }

        /// Whether something accepts TCP connections on 127.0.0.1:`port`.
        static func accepts(_ port: UInt16) -> Bool {
            #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
        }
    }
}
