import EventLoop
import Foundation
import Raft
import Testing
@testable import EtcdServer

@Suite struct PeerFrameTests {
    @Test func framesSurviveAnySplitOfTheByteStream() throws {
        let message = Message(type: .append, to: 2, from: 1, term: 3, logTerm: 2, index: 7,
                              entries: [Entry(term: 3, index: 8, data: Array("hello".utf8))], commit: 7)
        let frames: [PeerFrame] = [
            .hello(.init(clusterID: 0xdead_beef, from: 1, to: 2)),
            .message(RaftCodec.encode(message)),
            .message(RaftCodec.encode(Message(type: .heartbeat, to: 2, from: 1, term: 3))),
            .reject("cluster ID mismatch"),
            .membersRequest,
            .members(Array("{\"clusterID\":1,\"members\":[]}".utf8)),
            .snapshotBegin(.init(fileBytes: 1 << 33, message: RaftCodec.encode(message))),
            .snapshotChunk(Array(repeating: 7, count: 1000)),
            .snapshotEnd(crc32c: 0x8a91_36aa),
            .snapshotResult(""),
            .snapshotResult("checksum mismatch"),
        ]
        let bytes = frames.flatMap { $0.chunks.flatMap { $0 } }
        for pieceSize in [1, 2, 5, 7, 64, bytes.count] {
            var decoder = FrameDecoder(maxFrameBytes: 1 << 20)
            var decoded: [PeerFrame] = []
            for start in stride(from: 0, to: bytes.count, by: pieceSize) {
                let piece = Array(bytes[start..<min(start + pieceSize, bytes.count)])
                piece.withUnsafeBytes { decoder.append($0) }
                while let frame = try decoder.next() { decoded.append(frame) }
            }
            #expect(decoded == frames, "pieces of \(pieceSize) bytes")
            #expect(decoder.bufferedBytes == 0)
        }
        guard case .message(let encoded) = frames[1] else { return }
        #expect(try RaftCodec.decodeMessage(encoded) == message)
    }

    @Test func oversizedAndUnknownFramesAreErrors() {
        var decoder = FrameDecoder(maxFrameBytes: 16)
        PeerFrame.header(.message, payloadBytes: 100).withUnsafeBytes { decoder.append($0) }
        let tooLarge = Self.error(&decoder)
        #expect(tooLarge == .frameTooLarge(101))

        var unknown = FrameDecoder(maxFrameBytes: 16)
        ([0, 0, 0, 1, 99] as [UInt8]).withUnsafeBytes { unknown.append($0) }
        let unknownKind = Self.error(&unknown)
        #expect(unknownKind == .malformedFrame(kind: 99))

        var shortHello = FrameDecoder(maxFrameBytes: 64)
        ([0, 0, 0, 3, PeerFrame.Kind.hello.rawValue, 1, 2] as [UInt8]).withUnsafeBytes { shortHello.append($0) }
        let badHello = Self.error(&shortHello)
        #expect(badHello == .malformedFrame(kind: PeerFrame.Kind.hello.rawValue))
    }

    static func error(_ decoder: inout FrameDecoder) -> FrameDecoder.DecodeError? {
        do throws(FrameDecoder.DecodeError) {
            _ = try decoder.next()
            return nil
        } catch {
            return error
        }
    }
}

/// Transports on one loop, talking over loopback TCP.
@Suite(.serialized) struct PeerTransportTests {
    /// Runs the loop (once: a loop cannot run twice) until `done()` holds or `milliseconds`
    /// pass, then stops the transports inside the loop (they would reconnect forever) and
    /// lets the loop close everything.
    static func run(_ loop: EventLoop, atMost milliseconds: UInt64, stopping transports: [PeerTransport],
                    until done: @escaping () -> Bool) {
        var finished = false
        func finish() {
            guard !finished else { return }
            finished = true
            for t in transports { t.stop() }
            loop.stop()
        }
        loop.scheduleRepeating(everyMilliseconds: 5) { if done() { finish() } }
        _ = loop.schedule(afterMilliseconds: milliseconds) { finish() }
        loop.run()
    }

    static func logFile() -> String {
        NSTemporaryDirectory() + "keel-transport-\(getpid())-\(UUID().uuidString.prefix(8)).log"
    }

    @Test func messagesArriveInOrderAndInBatches() throws {
        let loop = try EventLoop()
        let logPath = Self.logFile()
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try Logger(level: .info, outputs: [logPath])
        let a = PeerTransport(loop: loop, localID: 1, clusterID: 77, log: log)
        let b = PeerTransport(loop: loop, localID: 2, clusterID: 77, log: log)
        try b.listen(on: ["http://127.0.0.1:0"])
        let port = try #require(b.listenPorts.first)
        a.setPeer(2, urls: ["http://127.0.0.1:\(port)"])
        var received: [Message] = []
        b.onMessage = { received.append($0) }
        var unreachable = 0
        a.onUnreachable = { _ in unreachable += 1 }
        // Three loop iterations' worth of messages, 100 each.
        var sent: [Message] = []
        for round in 0..<3 {
            let batch = (0..<100).map { i in
                Message(type: .append, to: 2, from: 1, term: 1, index: LogIndex(UInt64(round * 100 + i)),
                        entries: [Entry(term: 1, index: LogIndex(UInt64(round * 100 + i + 1)), data: [UInt8](repeating: UInt8(i), count: 100))])
            }
            sent += batch
            loop.deferToIterationEnd { a.send(batch) }
        }
        var connected = false
        Self.run(loop, atMost: 5000, stopping: [a, b]) {
            connected = a.isConnected(to: 2)
            return received.count >= sent.count
        }
        #expect(received == sent)
        #expect(unreachable == 0)
        #expect(connected)
    }

    @Test func aPeerOfAnotherClusterIsRefused() throws {
        let loop = try EventLoop()
        let logPath = Self.logFile()
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try Logger(level: .info, outputs: [logPath])
        let member = PeerTransport(loop: loop, localID: 2, clusterID: 77, log: log)
        let stranger = PeerTransport(loop: loop, localID: 1, clusterID: 78, log: log)
        try member.listen(on: ["http://127.0.0.1:0"])
        let port = try #require(member.listenPorts.first)
        var received = 0
        member.onMessage = { _ in received += 1 }
        var unreachable = 0
        stranger.onUnreachable = { _ in unreachable += 1 }
        stranger.setPeer(2, urls: ["http://127.0.0.1:\(port)"])
        loop.deferToIterationEnd { stranger.send([Message(type: .heartbeat, to: 2, from: 1, term: 1)]) }
        // Once refused, the stranger drops what it is asked to send and says the peer is unreachable.
        let resend = loop.scheduleRepeating(everyMilliseconds: 20) {
            stranger.send([Message(type: .heartbeat, to: 2, from: 1, term: 1)])
        }
        Self.run(loop, atMost: 5000, stopping: [member, stranger]) { unreachable > 0 }
        resend.cancel()
        #expect(received == 0)
        #expect(unreachable > 0)
        let text = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
        #expect(text.contains("rejected a connection from a remote peer: cluster ID mismatch"), "\(text)")
        #expect(text.contains("remote peer rejected the connection"), "\(text)")
    }

    @Test func aDeadPeerIsReportedUnreachableAndQueuesStayBounded() throws {
        let loop = try EventLoop()
        let logPath = Self.logFile()
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try Logger(level: .info, outputs: [logPath])
        // A port nobody listens on: bind one, note it, close it.
        let probe = try TCPListener(loop: loop, host: "127.0.0.1", port: 0)
        let deadPort = probe.port
        probe.close()
        var limits = PeerTransportLimits()
        limits.maxQueuedMessages = 10
        let a = PeerTransport(loop: loop, localID: 1, clusterID: 77, log: log, limits: limits)
        var unreachable: [NodeID] = []
        a.onUnreachable = { unreachable.append($0) }
        a.setPeer(3, urls: ["http://127.0.0.1:\(deadPort)"])
        // More than the queue holds while the first connection attempt is under way.
        a.send((0..<50).map { _ in Message(type: .heartbeat, to: 3, from: 1, term: 1) })
        #expect(unreachable == [3])  // the 40 that did not fit
        var connected = false
        Self.run(loop, atMost: 3000, stopping: [a]) {
            connected = connected || a.isConnected(to: 3)
            return unreachable.count >= 2
        }
        #expect(unreachable.count >= 2)  // the 10 queued, dropped when the connection failed
        #expect(!connected)
    }
}

@Suite struct ReadIndexRetryTests {
    @Test func aRoundWithoutAnswerIsAskedAgain() {
        var queue = ReadIndexQueue()
        var served = 0
        queue.enqueue(deadlineMilliseconds: 10_000) { if case .success = $0 { served += 1 } }
        let first = queue.startRound()!
        let young = queue.requeueStale()
        #expect(!young)  // left alone once
        let old = queue.requeueStale()
        #expect(old)  // still unanswered: back to waiting
        let second = queue.startRound()!
        #expect(first != second)
        queue.confirm(ReadState(index: 4, requestContext: second))
        let confirmed = queue.requeueStale()
        #expect(!confirmed)  // confirmed rounds are never retried
        for read in queue.takeReady(appliedIndex: 4) { read(.success(())) }
        #expect(served == 1)
        #expect(queue.isEmpty)
    }
}

@Suite struct ProposalFingerprintTests {
    /// Request IDs carry 16 bits of the member ID, so two members' IDs can collide: an applied
    /// entry completes a waiter only when its bytes are the ones this member proposed.
    @Test func anotherMembersRequestWithTheSameIDCompletesNothing() {
        var tracker = ProposalTracker(limit: 10)
        var completed = 0
        let mine: [UInt8] = Array("put a=1".utf8)
        let theirs: [UInt8] = Array("put b=2".utf8)
        tracker.register(id: 42, deadlineMilliseconds: 1000, fingerprint: CRC32Castagnoli.checksum(mine)) { _ in completed += 1 }
        let foreign = tracker.take(id: 42, fingerprint: CRC32Castagnoli.checksum(theirs))
        #expect(foreign == nil)
        #expect(tracker.count == 1)
        tracker.take(id: 42, fingerprint: CRC32Castagnoli.checksum(mine))?(.success(.membership))
        #expect(completed == 1)
        #expect(tracker.count == 0)
    }
}
