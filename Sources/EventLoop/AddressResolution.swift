import CLibUV
import Glibc

extension SocketAddress {
    /// Numeric addresses directly; host names (also "localhost") through libuv's threadpool
    /// `getaddrinfo`, the first IPv4 result (else the first result).
    static func resolve(loop: EventLoop, host: String, port: Int,
                        completion: @escaping (Result<SocketAddress, LoopError>) -> Void) {
        if host != "localhost", let numeric = try? SocketAddress(host: host, port: port) {
            completion(.success(numeric))
            return
        }
        let request = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
        request.initialize(to: uv_getaddrinfo_t())
        let pending = PendingResolution(host: host, port: port, completion: completion)
        request.pointee.data = Unmanaged.passRetained(pending).toOpaque()
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        let status = uv_getaddrinfo(loop.uv, request, { request, status, result in
            let pending = Unmanaged<PendingResolution>.fromOpaque(request!.pointee.data).takeRetainedValue()
            request!.deallocate()
            defer { uv_freeaddrinfo(result) }
            // Prefer IPv4: servers here listen on IPv4 addresses by default.
            var chosen = result
            var cursor = result
            while let entry = cursor {
                if entry.pointee.ai_family == AF_INET { chosen = entry; break }
                cursor = entry.pointee.ai_next
            }
            guard status == 0, let first = chosen, let address = first.pointee.ai_addr else {
                pending.completion(.failure(LoopError(code: status < 0 ? status : UV_EAI_NONAME.rawValue,
                                                      operation: "resolve \(pending.host)")))
                return
            }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.baseAddress!.copyMemory(from: address, byteCount: Int(first.pointee.ai_addrlen))
            }
            var resolved = SocketAddress(storage: storage)
            resolved.setPort(pending.port)
            pending.completion(.success(resolved))
        }, host, nil, &hints)
        if status < 0 {
            Unmanaged<PendingResolution>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            completion(.failure(LoopError(code: status, operation: "resolve \(host)")))
        }
    }

    mutating func setPort(_ port: Int) {
        let networkPort = UInt16(port).bigEndian
        let isIPv6 = storage.ss_family == sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &storage) { raw in
            if isIPv6 {
                raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = networkPort
            } else {
                raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = networkPort
            }
        }
    }
}

private final class PendingResolution {
    let host: String
    let port: Int
    let completion: (Result<SocketAddress, LoopError>) -> Void

    init(host: String, port: Int, completion: @escaping (Result<SocketAddress, LoopError>) -> Void) {
        self.host = host
        self.port = port
        self.completion = completion
    }
}
