import Foundation
import Testing

extension EtcdIntegration {
    /// The JSON gateway's streaming methods, as curl (or any HTTP client) uses them.
    @Suite struct GatewayStreams {
        @Test func watchOverHTTPStreamsCreatedThenEvents() throws {
            guard let keel = EtcdIntegration.requireKeelEtcd() else { return }
            let member = try EtcdProcess.start(binary: keel, name: "gateway")
            defer { member.destroy() }
            let curl = try ChildProcess(
                executable: "/usr/bin/curl",
                arguments: ["-sN", "-X", "POST", "http://\(member.endpoint)/v3/watch",
                            "-d", #"{"create_request":{"key":"Zm9v","prev_kv":true}}"#],
                environment: ChildProcess.cleanEnvironment(), outputDirectory: IntegrationPaths.scratch, label: "curl-watch")
            // Wait for the created response before writing, so the events cannot precede the watch.
            for _ in 0..<100 where !curl.currentStdout().contains("\"created\":true") { usleep(50_000) }
            _ = try EtcdIntegration.etcdctl(["--endpoints", member.endpoint, "put", "foo", "bar"])
            _ = try EtcdIntegration.etcdctl(["--endpoints", member.endpoint, "put", "foo", "baz"])
            for _ in 0..<100 where curl.currentStdout().components(separatedBy: "\n").count < 4 { usleep(50_000) }
            curl.signal(SIGTERM)
            let lines = curl.finish(timeout: 5).stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines.first?.hasPrefix(#"{"result":{"header":"#) == true)
            #expect(lines.first?.contains(#""created":true"#) == true)
            // base64: foo = Zm9v, bar = YmFy, baz = YmF6; the second event carries the first value as prev_kv.
            #expect(lines.dropFirst().first?.contains(#""kv":{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}"#) == true)
            #expect(lines.last?.contains(#""value":"YmF6""#) == true)
            #expect(lines.last?.contains(#""prev_kv":{"key":"Zm9v""#) == true)
        }

        @Test func leaseKeepAliveOverHTTPAnswersEachRequest() throws {
            guard let keel = EtcdIntegration.requireKeelEtcd() else { return }
            let member = try EtcdProcess.start(binary: keel, name: "gateway")
            defer { member.destroy() }
            let grant = try EtcdIntegration.runCommand("/usr/bin/curl", ["-s", "-X", "POST", "http://\(member.endpoint)/v3/lease/grant",
                                                                         "-d", #"{"TTL":30,"ID":77}"#])
            #expect(grant.stdout.contains(#""ID":"77","TTL":"30""#))
            let curl = try ChildProcess(
                executable: "/usr/bin/curl",
                arguments: ["-sN", "-X", "POST", "http://\(member.endpoint)/v3/lease/keepalive", "-d", #"{"ID":77}{"ID":78}"#],
                environment: ChildProcess.cleanEnvironment(), outputDirectory: IntegrationPaths.scratch, label: "curl-keepalive")
            for _ in 0..<100 where curl.currentStdout().components(separatedBy: "\n").count < 3 { usleep(50_000) }
            curl.signal(SIGTERM)
            let lines = curl.finish(timeout: 5).stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            #expect(lines.first?.contains(#""ID":"77","TTL":"30""#) == true)
            #expect(lines.last?.contains(#""ID":"78""#) == true)  // unknown lease: TTL 0, omitted in JSON
            #expect(lines.last?.contains("TTL") == false)
        }
    }
}
