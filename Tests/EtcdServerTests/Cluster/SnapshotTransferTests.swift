import EventLoop
import Foundation
import Raft
import Testing

@testable import EtcdServer

/// Snapshot transfer between two transports on one loop: the file arrives whole and verified
/// before the member sees it, and a damaged transfer leaves nothing behind.
@Suite(.serialized) struct SnapshotTransferTests {
    static let message = Message(type: .snapshot, to: 2, from: 1, term: 3,
                                 snapshot: Snapshot(metadata: SnapshotMetadata(confState: ConfState(voters: [1, 2]), index: 100, term: 3)))

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "keel-snapshot-transfer-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSnapshotArrivesWholeWithItsMessage() throws {
        let loop = try EventLoop()
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try Logger(level: .info, outputs: [dir + "/log"])
        let a = PeerTransport(loop: loop, localID: 1, clusterID: 77, log: log)
        let b = PeerTransport(loop: loop, localID: 2, clusterID: 77, log: log)
        try b.listen(on: ["http://127.0.0.1:0"])
        let port = try #require(b.listenPorts.first)
        a.setPeer(2, urls: ["http://127.0.0.1:\(port)"])
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        b.snapshotDirectory = dir + "/in"

        // Several chunks' worth, not a multiple of the chunk size.
        var generator = SystemRandomNumberGenerator()
        let content = Data((0..<(3 * SnapshotSender.chunkBytes + 12_345)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let source = dir + "/outgoing.db"
        try content.write(to: URL(fileURLWithPath: source))

        var delivered: (Message, Data)?
        b.onSnapshot = { m, path, reply in
            delivered = (m, FileManager.default.contents(atPath: path) ?? Data())
            reply(nil)
        }
        var outcome: String??
        loop.deferToIterationEnd { a.sendSnapshot(Self.message, filePath: source) { outcome = .some($0) } }
        PeerTransportTests.run(loop, atMost: 10_000, stopping: [a, b]) { outcome != nil }
        #expect(outcome == .some(nil))
        #expect(delivered?.0 == Self.message)
        #expect(delivered?.1 == content)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir + "/in")
        #expect(left == [SnapshotFiles.receivedName(index: 100)])
    }

    @Test func aDamagedSnapshotIsRefusedAndLeavesNothing() throws {
        let loop = try EventLoop()
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try Logger(level: .info, outputs: [dir + "/log"])
        let b = PeerTransport(loop: loop, localID: 2, clusterID: 77, log: log)
        try b.listen(on: ["http://127.0.0.1:0"])
        let port = try #require(b.listenPorts.first)
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        b.snapshotDirectory = dir + "/in"
        var delivered = 0
        b.onSnapshot = { _, _, reply in
            delivered += 1
            reply(nil)
        }

        // A peer that sends a chunk whose checksum does not match.
        var answer: PeerFrame?
        var decoder = FrameDecoder(maxFrameBytes: 4096)
        TCPConnection.connect(loop: loop, host: "127.0.0.1", port: port) { result in
            guard case .success(let c) = result else { return }
            c.onRead = { bytes in
                decoder.append(bytes)
                if let frame = try? decoder.next() { answer = frame }
            }
            c.startReading()
            let chunk = [UInt8](repeating: 42, count: 1000)
            var crc = CRC32Castagnoli()
            crc.update(chunk)
            for frame: PeerFrame in [.hello(.init(clusterID: 77, from: 1, to: 2)),
                                     .snapshotBegin(.init(fileBytes: 1000, message: RaftCodec.encode(Self.message))),
                                     .snapshotChunk(chunk), .snapshotEnd(crc32c: crc.value ^ 1)] {
                c.write(frame.chunks)
            }
        }
        PeerTransportTests.run(loop, atMost: 10_000, stopping: [b]) { answer != nil }
        #expect(answer == .snapshotResult("snapshot checksum mismatch"))
        #expect(delivered == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/in").isEmpty)
    }
}
