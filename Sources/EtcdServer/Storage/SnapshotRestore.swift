import Foundation
import KVStore
import Raft

/// `etcdctl snapshot restore`: a new member data directory from a backend snapshot. The
/// backend keeps the snapshot's keys, revisions and leases; the WAL is new, bootstrapped for
/// `initialCluster` as a first start would, so the restored member forms a new cluster.
public struct SnapshotRestore {
    public var snapshotPath: String
    public var name: String
    public var dataDirectory: String
    public var walDirectory: String?
    public var initialCluster: [(name: String, peerURLs: [String])]
    public var initialClusterToken: String
    public var advertisePeerURLs: [String]
    public var skipHashCheck: Bool

    public init(snapshotPath: String, name: String, dataDirectory: String, walDirectory: String?,
                initialCluster: [(name: String, peerURLs: [String])], initialClusterToken: String,
                advertisePeerURLs: [String], skipHashCheck: Bool) {
        self.snapshotPath = snapshotPath
        self.name = name
        self.dataDirectory = dataDirectory
        self.walDirectory = walDirectory
        self.initialCluster = initialCluster
        self.initialClusterToken = initialClusterToken
        self.advertisePeerURLs = advertisePeerURLs
        self.skipHashCheck = skipHashCheck
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public var memberDirectory: String { dataDirectory + "/member" }
    public var snapDirectory: String { memberDirectory + "/snap" }
    public var resolvedWALDirectory: String { walDirectory ?? memberDirectory + "/wal" }

    /// The members of the new cluster with their IDs (etcd's "added member" lines).
    public var members: [Member] {
        initialCluster.map { m in
            Member(id: Member.computeID(peerURLs: m.peerURLs, clusterToken: initialClusterToken), name: m.name, peerURLs: m.peerURLs, clientURLs: [])
        }
    }

    public var clusterID: UInt64 { Member.computeClusterID(memberIDs: members.map(\.id)) }

    /// etcd's checks before it touches anything: this member in the cluster, and a data
    /// directory (and WAL directory) that does not exist yet.
    public func validate() throws {
        guard let mine = initialCluster.first(where: { $0.name == name }) else {
            throw Failure(description: "couldn't find local name \(goQuote(name)) in the initial cluster configuration")
        }
        guard mine.peerURLs.sorted() == advertisePeerURLs.sorted() else {
            throw Failure(description: "--initial-cluster has \(name)=\(mine.peerURLs.joined(separator: ",")) but missing from --initial-advertise-peer-urls=\(advertisePeerURLs.joined(separator: ","))")
        }
        if FileManager.default.fileExists(atPath: dataDirectory) { throw Failure(description: "data-dir \(goQuote(dataDirectory)) exists") }
        if let walDirectory, FileManager.default.fileExists(atPath: walDirectory) {
            throw Failure(description: "wal-dir \(goQuote(walDirectory)) exists")
        }
    }

    /// Writes the backend and the WAL (after `validate()`).
    public func run() throws {
        if let problem = SnapshotFile.formatProblem(path: snapshotPath) { throw Failure(description: problem) }
        let dataBytes = try verifiedLength()
        do { try SnapshotFile.restoreBackend(from: snapshotPath, dataBytes: dataBytes, into: snapDirectory) } catch {
            throw Failure(description: error.message)
        }
        try writeWAL(localID: Member.computeID(peerURLs: advertisePeerURLs, clusterToken: initialClusterToken))
    }

    /// The snapshot's length without its SHA-256 trailer, after checking the trailer (etcd
    /// recognises one by the size being 32 past a multiple of 512).
    private func verifiedLength() throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: snapshotPath) else {
            throw Failure(description: "open \(snapshotPath): no such file or directory")
        }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        let hasHash = size % 512 == SHA256.digestBytes
        if !hasHash {
            if !skipHashCheck { throw Failure(description: "snapshot missing hash but --skip-hash-check=false") }
            return size
        }
        let dataBytes = size - SHA256.digestBytes
        guard !skipHashCheck else { return dataBytes }
        try? handle.seek(toOffset: 0)
        var digest = SHA256()
        var remaining = dataBytes
        while remaining > 0, let chunk = try? handle.read(upToCount: min(remaining, 1 << 20)), !chunk.isEmpty {
            digest.update(chunk)
            remaining -= chunk.count
        }
        let stored = [UInt8]((try? handle.read(upToCount: SHA256.digestBytes)) ?? Data())
        let computed = digest.finish()
        guard stored == computed else {
            throw Failure(description: "expected sha256 \(goBytes(stored)), got \(goBytes(computed))")
        }
        return dataBytes
    }

    /// A log holding the member's identity and one committed configuration entry per member.
    private func writeWAL(localID: NodeID) throws {
        let log = try DurableRaftLog.open(directory: resolvedWALDirectory)
        defer { log.close() }
        try log.writeIdentity(DurableRaftLog.Identity(memberID: localID, clusterID: clusterID))
        try log.bootstrap(members: members)
    }

    private func goBytes(_ bytes: [UInt8]) -> String { "[" + bytes.map(String.init).joined(separator: " ") + "]" }
    private func goQuote(_ text: String) -> String { "\"" + text + "\"" }
}
