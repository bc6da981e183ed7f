import Foundation
import Raft
#if canImport(Glibc)
import Glibc
#endif

/// The cluster as a running member describes it to a member about to join: its cluster ID and
/// its members (etcd's GET /members on the peer port, here a `membersRequest` frame).
struct MembershipSummary: Codable, Equatable {
    struct Entry: Codable, Equatable {
        var id: UInt64
        var name: String
        var peerURLs: [String]
        var clientURLs: [String]
        var isLearner: Bool
    }

    var clusterID: UInt64
    var members: [Entry]

    init(clusterID: UInt64, members: [Member]) {
        self.clusterID = clusterID
        self.members = members.map { Entry(id: $0.id.rawValue, name: $0.name, peerURLs: $0.peerURLs,
                                           clientURLs: $0.clientURLs, isLearner: $0.isLearner) }
    }

    var asMembers: [Member] {
        members.map { Member(id: NodeID(rawValue: $0.id), name: $0.name, peerURLs: $0.peerURLs,
                             clientURLs: $0.clientURLs, isLearner: $0.isLearner) }
    }

    func encoded() -> [UInt8] { (try? [UInt8](JSONEncoder().encode(self))) ?? [] }

    static func decode(_ bytes: [UInt8]) -> MembershipSummary? {
        try? JSONDecoder().decode(MembershipSummary.self, from: Data(bytes))
    }
}

/// Asks the peers of a running cluster for its membership before the loop runs (a joining
/// member cannot start without it), with blocking sockets and a bounded wait per peer.
enum RemoteMembership {
    enum FetchError: Error, CustomStringConvertible {
        case unreachable([String])
        /// The question is asked in plain TCP only; https peers would refuse it.
        case onlySecurePeers([String])

        var description: String {
            switch self {
            case .unreachable(let urls):
                return "could not retrieve cluster information from the given URLs (\(urls.joined(separator: ",")))"
            case .onlySecurePeers(let urls):
                return "joining a running cluster through https peer URLs is not supported by Keel yet (\(urls.joined(separator: ",")))"
            }
        }
    }

    /// The first answer from any of `peerURLs`; each peer gets `timeoutMilliseconds`, and the
    /// whole list is tried again until `totalMilliseconds` passed (a peer may be starting).
    static func fetch(peerURLs: [String], timeoutMilliseconds: Int32 = 1000,
                      totalMilliseconds: Int = 10_000) throws(FetchError) -> MembershipSummary {
        let deadline = Date().addingTimeInterval(Double(totalMilliseconds) / 1000)
        let addresses = peerURLs.compactMap(PeerAddress.init(url:)).filter { !$0.isSecure }
        if addresses.isEmpty && peerURLs.contains(where: { PeerAddress(url: $0)?.isSecure == true }) {
            throw .onlySecurePeers(peerURLs)
        }
        while true {
            for address in addresses {
                if let summary = ask(address, timeoutMilliseconds: timeoutMilliseconds) { return summary }
            }
            guard Date() < deadline else { throw .unreachable(peerURLs) }
            usleep(200_000)
        }
    }

    private static func ask(_ address: PeerAddress, timeoutMilliseconds: Int32) -> MembershipSummary? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(timeoutMilliseconds / 1000), tv_usec: Int(timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else { return nil }
        let request = PeerFrame.membersRequest.chunks.flatMap { $0 }
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var decoder = FrameDecoder(maxFrameBytes: 4 << 20)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        // Bounded: every read waits at most the timeout, and a frame is at most 4 MiB.
        for _ in 0..<1024 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            switch try? decoder.next() {
            case .members(let json)?: return MembershipSummary.decode(json)
            case nil: continue
            default: return nil
            }
        }
        return nil
    }
}
