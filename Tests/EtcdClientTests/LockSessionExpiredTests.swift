import Foundation
import Glibc
import Testing

/// etcd #11456: a Lock waiting behind a holder must not succeed once its session lease ended
/// while it waited (the lease's end deleted its queue key). Keel re-checks its key after the
/// wait, as etcd 3.5's mutex does, and answers "session expired"; etcd 3.4 (the reference
/// here) still has the bug, so this runs against Keel only.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
struct LockSessionExpiredTests {
    typealias Gateway = LockElectionGatewayTests.Gateway

    static func grant(_ gateway: Gateway) throws -> String {
        let answer = try gateway.post("/v3/lease/grant", #"{"TTL":60}"#)
        return answer["ID"] as? String ?? ""
    }

    @Test func aWaiterWhoseLeaseIsRevokedDoesNotGetTheLock() throws {
        guard Binaries.exists(Binaries.keelEtcd) else { return }
        let server = TestServer(binary: Binaries.keelEtcd)
        try server.start()
        defer { server.stop(); server.removeData() }
        let gateway = Gateway(endpoint: server.endpoint)
        let name = LockElectionGatewayTests.base64("m")
        let holderLease = try Self.grant(gateway)
        let waiterLease = try Self.grant(gateway)
        #expect(!holderLease.isEmpty && !waiterLease.isEmpty)
        let held = try gateway.post("/v3/lock/lock", #"{"name":"\#(name)","lease":"\#(holderLease)"}"#)
        let heldKey = LockElectionGatewayTests.text(held["key"])
        #expect(heldKey.hasPrefix("m/"), "\(held)")

        let waiter = try gateway.background("/v3/lock/lock", #"{"name":"\#(name)","lease":"\#(waiterLease)"}"#)
        defer { _ = waiter.terminate() }
        usleep(500_000)
        let revoked = try gateway.post("/v3/lease/revoke", #"{"ID":"\#(waiterLease)"}"#)
        #expect(revoked["header"] != nil, "\(revoked)")
        _ = try gateway.post("/v3/lock/unlock", #"{"key":"\#(LockElectionGatewayTests.base64(heldKey))"}"#)

        let answer = waiter.wait(timeoutSeconds: 10)
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.stdout.utf8))) as? [String: Any] ?? [:]
        #expect(object["key"] == nil, "the waiter was told it holds the lock: \(answer.stdout)")
        #expect(object["error"] as? String == "session expired", "\(answer.stdout)")
    }
}
