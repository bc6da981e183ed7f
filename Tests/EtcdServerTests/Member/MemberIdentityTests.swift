import Raft
import Foundation
import Testing
@testable import EtcdServer

@Suite struct MemberIdentityTests {
    @Test func defaultMemberAndClusterIDsMatchEtcd() {
        // etcd 3.4 started with no flags reports member 8e9e05c52164694d in cluster cdf818194e3a8c32.
        let id = Member.computeID(peerURLs: ["http://localhost:2380"], clusterToken: "etcd-cluster")
        #expect(String(id.rawValue, radix: 16) == "8e9e05c52164694d")
        #expect(String(Member.computeClusterID(memberIDs: [id]), radix: 16) == "cdf818194e3a8c32")
    }

    @Test func peerURLOrderDoesNotChangeTheID() {
        let a = Member.computeID(peerURLs: ["http://10.0.0.1:2380", "http://10.0.0.2:2380"], clusterToken: "t")
        let b = Member.computeID(peerURLs: ["http://10.0.0.2:2380", "http://10.0.0.1:2380"], clusterToken: "t")
        #expect(a == b)
        #expect(a != Member.computeID(peerURLs: ["http://10.0.0.1:2380"], clusterToken: "t"))
    }

    @Test func requestIDsAreUniqueAndCarryTheMemberPrefix() {
        var generator = RequestIDGenerator(memberID: 0x8e9e05c52164694d, bootMilliseconds: 1_700_000_000_000)
        var seen = Set<UInt64>()
        for _ in 0..<10_000 { seen.insert(generator.next()) }
        #expect(seen.count == 10_000)
        #expect(seen.allSatisfy { $0 >> 48 == 0x694d })
    }
}

@Suite struct DigestTests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func sha256MatchesKnownVectors() {
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var streamed = SHA256()
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for chunk in stride(from: 0, to: million.count, by: 7777) { streamed.update(million[chunk..<min(chunk + 7777, million.count)]) }
        #expect(hex(streamed.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func sha1MatchesKnownVector() {
        #expect(hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
