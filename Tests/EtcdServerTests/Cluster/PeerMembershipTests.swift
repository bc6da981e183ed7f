import EventLoop
import Foundation
import Raft
import Testing
@testable import EtcdServer

/// The membership side of the peer transport: a removed member is told so (and refused), and a
/// member about to join learns the cluster from a running member.
@Suite(.serialized) struct PeerMembershipTests {
    @Test func aRemovedMemberIsToldSoOnItsOpenConnection() throws {
        let loop = try EventLoop()
        let logPath = PeerTransportTests.logFile()
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try Logger(level: .info, outputs: [logPath])
        let member = PeerTransport(loop: loop, localID: 2, clusterID: 77, log: log)
        var limits = PeerTransportLimits()
        limits.rejectedRetryMilliseconds = 50
        let removed = PeerTransport(loop: loop, localID: 1, clusterID: 77, log: log, limits: limits)
        try member.listen(on: ["http://127.0.0.1:0"])
        let port = try #require(member.listenPorts.first)
        var isRemoved = false
        member.isRemoved = { _ in isRemoved }
        var received = 0
        member.onMessage = { _ in
            received += 1
            // The change removing member 1 is applied while its connection is open.
            if !isRemoved {
                isRemoved = true
                member.disconnectRemoved(1)
            }
        }
        var rejections: [String] = []
        removed.onRejected = { _, reason in rejections.append(reason) }
        removed.setPeer(2, urls: ["http://127.0.0.1:\(port)"])
        let resend = loop.scheduleRepeating(everyMilliseconds: 20) {
            removed.send([Message(type: .heartbeat, to: 2, from: 1, term: 1)])
        }
        PeerTransportTests.run(loop, atMost: 5000, stopping: [member, removed]) { rejections.count >= 2 }
        resend.cancel()
        // Told on the open connection, and again when it reconnects (the hello is refused);
        // nothing more is delivered.
        #expect(received == 1)
        #expect(rejections.count >= 2)
        #expect(rejections.allSatisfy { $0 == PeerReceiver.memberRemovedReason })
    }

    @Test func aJoiningMemberLearnsTheClusterFromAPeer() throws {
        let loop = try EventLoop()
        let logPath = PeerTransportTests.logFile()
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try Logger(level: .info, outputs: [logPath])
        let member = PeerTransport(loop: loop, localID: 2, clusterID: 77, log: log)
        try member.listen(on: ["http://127.0.0.1:0"])
        let port = try #require(member.listenPorts.first)
        let members = [Member(id: 2, name: "m2", peerURLs: ["http://127.0.0.1:\(port)"], clientURLs: ["http://127.0.0.1:1"]),
                       Member(id: 3, name: "", peerURLs: ["http://127.0.0.1:9"], clientURLs: [], isLearner: true)]
        member.membershipSummary = { MembershipSummary(clusterID: 77, members: members).encoded() }

        // The joiner asks with blocking sockets (before its own loop runs): from another thread.
        let answer = Answer()
        let urls = ["http://127.0.0.1:1", "http://127.0.0.1:\(port)"]  // the first peer is down
        Thread.detachNewThread {
            answer.set(try? RemoteMembership.fetch(peerURLs: urls, timeoutMilliseconds: 1000, totalMilliseconds: 3000))
        }
        PeerTransportTests.run(loop, atMost: 5000, stopping: [member]) { answer.done }
        let summary = try #require(answer.value)
        #expect(summary.clusterID == 77)
        #expect(summary.asMembers == members)
    }

    @Test func nobodyAnsweringIsAClearError() {
        #expect(throws: RemoteMembership.FetchError.self) {
            try RemoteMembership.fetch(peerURLs: ["http://127.0.0.1:1"], timeoutMilliseconds: 200, totalMilliseconds: 0)
        }
    }

    final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private var result: MembershipSummary??

        func set(_ value: MembershipSummary?) { lock.withLock { result = .some(value) } }
        var done: Bool { lock.withLock { result != nil } }
        var value: MembershipSummary? { lock.withLock { result ?? nil } }
    }
}
