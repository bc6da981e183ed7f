import Foundation
import Glibc
import Testing

/// What the real etcdctl cannot be diffed against: Keel's snapshot files (LMDB, not bbolt) and
/// their restore, and make-mirror between two Keel servers.
@Suite(.serialized, .enabled(if: Binaries.exists(Binaries.keelEtcdctl) && Binaries.exists(Binaries.keelEtcd)
                               && Binaries.exists(Binaries.realEtcdctl)))
struct KeelEtcdctlFileTests {
    let scratch = NSTemporaryDirectory() + "keel-ctl-files-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func etcdctl(_ server: TestServer, _ words: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run([Binaries.keelEtcdctl, "--endpoints", server.endpoint] + words)
    }

    func etcdctl(_ words: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run([Binaries.keelEtcdctl] + words)
    }

    @Test func snapshotStatusThenRestoreKeepsKeysAndRevision() throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let source = TestServer(binary: Binaries.keelEtcd)
        try source.start()
        defer { source.stop(); source.removeData() }
        for index in 1...5 { _ = try etcdctl(source, ["put", "key\(index)", "value\(index)"]) }
        _ = try etcdctl(source, ["del", "key5"])
        let snapshot = scratch + "/snap.db"
        #expect(try etcdctl(source, ["snapshot", "save", snapshot]).status == 0)
        let revision = try revisionOf(source)

        let json = try etcdctl(["snapshot", "status", snapshot, "-w", "json"])
        #expect(json.status == 0)
        #expect(json.stdout.contains("\"revision\":\(revision),"), "\(json.stdout)")
        let simple = try etcdctl(["snapshot", "status", snapshot])
        let fields = simple.stdout.trimmingCharacters(in: .newlines).components(separatedBy: ", ")
        #expect(fields.count == 4 && fields[1] == "\(revision)" && UInt32(fields[0], radix: 16) != nil, "\(simple.stdout)")
        #expect(try etcdctl(["snapshot", "status", snapshot, "-w", "table"]).stdout.contains("|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |"))

        // Restore into a new data directory and start a member there on new ports.
        let restored = TestServer(binary: Binaries.keelEtcd, dataDirectory: scratch + "/restored.etcd")
        let peer = "http://127.0.0.1:\(restored.peerPort)"
        let restore = try etcdctl(["snapshot", "restore", snapshot, "--data-dir", restored.dataDirectory,
                                   "--initial-cluster", "default=\(peer)", "--initial-advertise-peer-urls", peer])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stderr.contains("\"msg\":\"restored snapshot\""))
        let again = try etcdctl(["snapshot", "restore", snapshot, "--data-dir", restored.dataDirectory,
                                 "--initial-cluster", "default=\(peer)", "--initial-advertise-peer-urls", peer])
        #expect(again.status == 1 && again.stderr.hasSuffix("Error: data-dir \"\(restored.dataDirectory)\" exists\n"))
        try restored.start(fresh: false)
        defer { restored.stop() }
        #expect(try revisionOf(restored) == revision)
        // The membership is the restored cluster's alone, not the source's.
        let members = try etcdctl(restored, ["member", "list"]).stdout.split(separator: "\n")
        #expect(members.count == 1 && members[0].contains(", default, \(peer), "), "\(members)")
        let keys = try etcdctl(restored, ["get", "key", "--prefix"])
        #expect(keys.stdout == "key1\nvalue1\nkey2\nvalue2\nkey3\nvalue3\nkey4\nvalue4\n")
        #expect(try etcdctl(restored, ["put", "after", "restore", "-w", "json"]).stdout.contains("\"revision\":\(revision + 1)"))
    }

    @Test func corruptedOrForeignSnapshotsAreRefused() throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let real = TestServer(binary: Binaries.realEtcd)
        try real.start()
        defer { real.stop(); real.removeData() }
        let bbolt = scratch + "/real.db"
        #expect(try ChildProcess.run([Binaries.realEtcdctl, "--endpoints", real.endpoint, "snapshot", "save", bbolt]).status == 0)
        let status = try etcdctl(["snapshot", "status", bbolt])
        #expect(status.status == 1 && status.stderr == "Error: \(bbolt) is an etcd (bbolt) snapshot; Keel reads only snapshots saved from Keel\n")
        let restore = try etcdctl(["snapshot", "restore", bbolt, "--data-dir", scratch + "/x"])
        #expect(restore.status == 1 && restore.stderr.contains("(bbolt) snapshot"))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/x"))

        // A Keel snapshot whose checksum does not match is refused unless told to skip the check.
        let keel = TestServer(binary: Binaries.keelEtcd)
        try keel.start()
        defer { keel.stop(); keel.removeData() }
        let snapshot = scratch + "/keel.db"
        #expect(try etcdctl(keel, ["snapshot", "save", snapshot]).status == 0)
        let handle = try #require(FileHandle(forUpdatingAtPath: snapshot))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size - 1)
        try handle.write(contentsOf: Data([0x5A]))
        try handle.close()
        let tampered = try etcdctl(["snapshot", "restore", snapshot, "--data-dir", scratch + "/y"])
        #expect(tampered.status == 1 && tampered.stderr.contains("Error: expected sha256 ["), "\(tampered.stderr)")
        let skipped = try etcdctl(["snapshot", "restore", snapshot, "--data-dir", scratch + "/z", "--skip-hash-check"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
    }

    @Test func makeMirrorCopiesThenFollowsChanges() throws {
        let source = TestServer(binary: Binaries.keelEtcd), destination = TestServer(binary: Binaries.keelEtcd)
        try source.start()
        defer { source.stop(); source.removeData() }
        try destination.start()
        defer { destination.stop(); destination.removeData() }
        _ = try etcdctl(source, ["put", "mm/a", "1"])
        _ = try etcdctl(source, ["put", "mm/b", "2"])
        _ = try etcdctl(source, ["put", "other", "x"])
        let mirror = try ChildProcess([Binaries.keelEtcdctl, "--endpoints", source.endpoint, "make-mirror",
                                       "--prefix", "mm/", "--dest-prefix", "copy/", destination.endpoint])
        defer { _ = mirror.terminate() }
        #expect(waitFor(destination, ["get", "copy/", "--prefix"], toPrint: "copy/a\n1\ncopy/b\n2\n"))
        _ = try etcdctl(source, ["put", "mm/c", "3"])
        _ = try etcdctl(source, ["del", "mm/a"])
        _ = try etcdctl(source, ["put", "other", "y"])
        #expect(waitFor(destination, ["get", "copy/", "--prefix"], toPrint: "copy/b\n2\ncopy/c\n3\n"))
        #expect(try etcdctl(destination, ["get", "other"]).stdout.isEmpty)
    }

    private func revisionOf(_ server: TestServer) throws -> Int64 {
        let output = try etcdctl(server, ["get", "probe-revision", "-w", "json"]).stdout
        let digits = output.components(separatedBy: "\"revision\":").dropFirst().first?.prefix { $0.isNumber } ?? ""
        return Int64(digits) ?? -1
    }

    /// Polls (at most 5 s) until the command prints `expected`.
    private func waitFor(_ server: TestServer, _ words: [String], toPrint expected: String) -> Bool {
        for _ in 0..<50 {
            if (try? etcdctl(server, words).stdout) == expected { return true }
            usleep(100_000)
        }
        return false
    }
}
