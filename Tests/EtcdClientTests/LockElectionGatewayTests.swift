import Foundation
import Glibc
import Testing

/// The v3lock and v3election services through the JSON gateway (as curl uses them), with the
/// same expectations for the real etcd 3.4 and Keel's server.
@Suite(.serialized, .enabled(if: Binaries.exists(Binaries.realEtcdctl) && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
struct LockElectionGatewayTests {
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    static func text(_ base64: Any?) -> String {
        guard let encoded = base64 as? String, let data = Data(base64Encoded: encoded) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    struct Gateway {
        let endpoint: String

        func post(_ path: String, _ body: String) throws -> [String: Any] {
            let result = try ChildProcess.run(["/usr/bin/curl", "-s", "-m", "10", "-X", "POST", "http://\(endpoint)\(path)", "-d", body])
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            return object as? [String: Any] ?? [:]
        }

        func background(_ path: String, _ body: String) throws -> ChildProcess {
            try ChildProcess(["/usr/bin/curl", "-sN", "-m", "20", "-X", "POST", "http://\(endpoint)\(path)", "-d", body])
        }
    }

    func checkLock(_ binary: String) throws {
        let server = TestServer(binary: binary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let gateway = Gateway(endpoint: server.endpoint)
        let first = try gateway.post("/v3/lock/lock", #"{"name":"\#(Self.base64("svc"))"}"#)
        let firstKey = Self.text(first["key"])
        #expect(firstKey.hasPrefix("svc/") && firstKey.count > 4, "\(first)")
        // A second caller waits while the first holds the lock.
        let waiter = try gateway.background("/v3/lock/lock", #"{"name":"\#(Self.base64("svc"))"}"#)
        defer { _ = waiter.terminate() }
        usleep(500_000)
        let unlocked = try gateway.post("/v3/lock/unlock", #"{"key":"\#(Self.base64(firstKey))"}"#)
        #expect(unlocked["header"] != nil, "\(unlocked)")
        let second = waiter.wait(timeoutSeconds: 10)
        let secondObject = (try? JSONSerialization.jsonObject(with: Data(second.stdout.utf8))) as? [String: Any] ?? [:]
        let secondKey = Self.text(secondObject["key"])
        #expect(secondKey.hasPrefix("svc/") && secondKey != firstKey, "\(second.stdout)")
        // The waiter got the lock only after the unlock: its revision is later.
        let unlockRevision = Int((unlocked["header"] as? [String: Any])?["revision"] as? String ?? "") ?? 0
        let lockRevision = Int((secondObject["header"] as? [String: Any])?["revision"] as? String ?? "") ?? -1
        #expect(lockRevision >= unlockRevision && unlockRevision > 0)
    }

    func checkElection(_ binary: String) throws {
        let server = TestServer(binary: binary)
        try server.start()
        defer { server.stop(); server.removeData() }
        let gateway = Gateway(endpoint: server.endpoint)
        let name = Self.base64("el")
        let none = try gateway.post("/v3/election/leader", #"{"name":"\#(name)"}"#)
        #expect(none["error"] as? String == "election: no leader", "\(none)")
        let campaign = try gateway.post("/v3/election/campaign", #"{"name":"\#(name)","value":"\#(Self.base64("v1"))"}"#)
        let leader = campaign["leader"] as? [String: Any] ?? [:]
        #expect(Self.text(leader["key"]).hasPrefix("el/"), "\(campaign)")
        let observer = try gateway.background("/v3/election/observe", #"{"name":"\#(name)"}"#)
        defer { _ = observer.terminate() }
        // The observer reports the current leader first; proclaim only after that.
        for _ in 0..<400 where !observer.currentStdout().contains("\n") { usleep(50_000) }
        let leaderJSON = String(decoding: try JSONSerialization.data(withJSONObject: leader), as: UTF8.self)
        let proclaim = try gateway.post("/v3/election/proclaim", #"{"leader":\#(leaderJSON),"value":"\#(Self.base64("v2"))"}"#)
        #expect(proclaim["header"] != nil && proclaim["error"] == nil, "\(proclaim)")
        let current = try gateway.post("/v3/election/leader", #"{"name":"\#(name)"}"#)
        #expect(Self.text((current["kv"] as? [String: Any])?["value"]) == "v2", "\(current)")
        var stale = leader
        stale["rev"] = "1"
        let staleJSON = String(decoding: try JSONSerialization.data(withJSONObject: stale), as: UTF8.self)
        let refused = try gateway.post("/v3/election/proclaim", #"{"leader":\#(staleJSON),"value":"\#(Self.base64("v3"))"}"#)
        #expect(refused["error"] as? String == "election: not leader", "\(refused)")
        let missing = try gateway.post("/v3/election/resign", "{}")
        #expect(missing["error"] as? String == "\"leader\" field must be provided", "\(missing)")
        let resign = try gateway.post("/v3/election/resign", #"{"leader":\#(leaderJSON)}"#)
        #expect(resign["header"] != nil && resign["error"] == nil, "\(resign)")
        let gone = try gateway.post("/v3/election/leader", #"{"name":"\#(name)"}"#)
        #expect(gone["error"] as? String == "election: no leader", "\(gone)")
        usleep(300_000)
        // The observer saw the first value, then the proclaimed one.
        let lines = observer.terminate().stdout.split(separator: "\n").map(String.init)
        let values = lines.compactMap { line -> String? in
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return ((object?["result"] as? [String: Any])?["kv"] as? [String: Any]).map { Self.text($0["value"]) }
        }
        #expect(values == ["v1", "v2"], "\(lines)")
    }

    @Test func realEtcdLockAndElection() throws {
        guard Binaries.exists(Binaries.realEtcd) else { return }
        try checkLock(Binaries.realEtcd)
        try checkElection(Binaries.realEtcd)
    }

    @Test func keelLockAndElection() throws {
        guard Binaries.exists(Binaries.keelEtcd) else { return }
        try checkLock(Binaries.keelEtcd)
        try checkElection(Binaries.keelEtcd)
    }
}
