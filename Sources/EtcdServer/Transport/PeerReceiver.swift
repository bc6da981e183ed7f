import EventLoop
import Raft

/// The inbound side of the transport: one connection a peer dialled to us. The first frame must
/// be the peer's hello naming our cluster and us; then every frame is a Raft message for us.
/// Anything else closes the connection (and only it).
final class PeerReceiver {
    private let connection: TCPConnection
    private let localID: NodeID
    private let clusterID: UInt64
    private let log: Logger
    private var decoder: FrameDecoder
    private var peer: NodeID?
    private var helloTimer: LoopTimer?

    /// Each message received, in order.
    var onMessage: ((Message) -> Void)?
    /// Starts receiving a snapshot on this connection (nil: snapshots are refused); throws the
    /// reason to refuse this one.
    var makeSnapshotReceiver: ((NodeID, PeerFrame.SnapshotBegin, TCPConnection) throws -> SnapshotReceiver)?
    /// Takes a received and verified snapshot.
    var onSnapshot: SnapshotReceiver.Handler?
    private(set) var snapshot: SnapshotReceiver?
    /// After refusing a snapshot, the rest of the connection's bytes are ignored until it closes.
    private var draining = false
    /// After the connection closed, for whatever reason.
    var onClose: ((PeerReceiver) -> Void)?
    /// Whether a member was removed from the cluster (its hello is refused).
    var isRemoved: ((NodeID) -> Bool)?
    /// The answer to a `membersRequest`; nil when this member cannot tell yet.
    var membershipSummary: (() -> [UInt8]?)?

    /// The reason a removed member's connection is refused; the removed member stops on it.
    static let memberRemovedReason = "the member has been permanently removed from the cluster"

    /// A peer that connects but never says hello is dropped after this long.
    static let helloTimeoutMilliseconds: UInt64 = 5000

    init(connection: TCPConnection, localID: NodeID, clusterID: UInt64, log: Logger, limits: PeerTransportLimits) {
        self.connection = connection
        self.localID = localID
        self.clusterID = clusterID
        self.log = log
        decoder = FrameDecoder(maxFrameBytes: limits.maxFrameBytes)
    }

    /// The member ID the peer announced, once its hello was accepted.
    var remoteID: NodeID? { peer }

    func start() {
        connection.onRead = { [unowned self] bytes in received(bytes) }
        connection.onClose = { [unowned self] _ in
            helloTimer?.cancel()
            helloTimer = nil
            snapshot?.abort()
            let callback = onClose
            onClose = nil
            onMessage = nil
            onSnapshot = nil
            callback?(self)
        }
        helloTimer = connection.loop.schedule(afterMilliseconds: Self.helloTimeoutMilliseconds) { [weak self] in
            guard let self, peer == nil else { return }
            log.warn("closing a peer connection that sent no hello", ["remote-addr": .string(connection.remoteAddress)])
            connection.close()
        }
        connection.startReading()
    }

    func close() { connection.close() }

    /// Tells the peer why we stop listening to it, then closes.
    func refuse(reason: String) {
        connection.pauseReading()
        connection.write(PeerFrame.reject(reason).chunks)
        connection.closeAfterPendingWrites()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        decoder.append(bytes)
        do {
            while !connection.isClosed, !draining, let frame = try decoder.next() {
                handle(frame)
            }
        } catch {
            log.warn("closing a peer connection after a bad frame", [
                "remote-addr": .string(connection.remoteAddress), "error": .string("\(error)"),
            ])
            connection.close()
        }
    }

    private func handle(_ frame: PeerFrame) {
        switch (peer, frame) {
        case (nil, .hello(let hello)):
            accept(hello)
        case (nil, .membersRequest):
            answerMembersRequest()
        case (let from?, .message(let bytes)):
            // A snapshot message needs its backend file: it only comes on a snapshot connection.
            guard let message = try? RaftCodec.decodeMessage(bytes), message.to == localID, message.from == from,
                  message.type != .snapshot
            else {
                log.warn("closing a peer connection after an invalid message", ["remote-peer-id": .string(hex(from))])
                connection.close()
                return
            }
            onMessage?(message)
        case (let from?, .snapshotBegin(let begin)) where snapshot == nil:
            do {
                guard let make = makeSnapshotReceiver else { throw SnapshotError.protocolError("snapshots are not accepted") }
                snapshot = try make(from, begin, connection)
            } catch {
                refuseSnapshot("\(error)")
            }
        case (_?, .snapshotChunk(let bytes)) where snapshot != nil:
            do { try snapshot!.append(bytes) } catch { refuseSnapshot("\(error)") }
        case (_?, .snapshotEnd(let crc)) where snapshot != nil:
            connection.pauseReading()
            do {
                try snapshot!.finish(crc32c: crc, loop: connection.loop) { [weak self] message, path, reply in
                    guard let handler = self?.onSnapshot else { return reply("the member is stopping") }
                    handler(message, path, reply)
                }
            } catch {
                refuseSnapshot("\(error)")
            }
        default:
            log.warn("closing a peer connection after an unexpected frame", ["remote-addr": .string(connection.remoteAddress)])
            connection.close()
        }
    }

    private func refuseSnapshot(_ reason: String) {
        log.warn("refused a database snapshot", ["remote-addr": .string(connection.remoteAddress), "error": .string(reason)])
        snapshot?.abort()
        draining = true
        connection.pauseReading()
        connection.write(PeerFrame.snapshotResult(reason).chunks)
        connection.closeAfterPendingWrites()
    }

    private func accept(_ hello: PeerFrame.Hello) {
        helloTimer?.cancel()
        helloTimer = nil
        if hello.clusterID != clusterID {
            return refuse("cluster ID mismatch", hello, reason:
                "cluster ID mismatch: local member \(hex(localID)) is in cluster \(String(clusterID, radix: 16)), "
                + "remote peer \(hex(hello.from)) is in cluster \(String(hello.clusterID, radix: 16))")
        }
        if hello.to != localID {
            return refuse("member ID mismatch", hello, reason:
                "member ID mismatch: remote peer \(hex(hello.from)) expected member \(hex(hello.to)), this is member \(hex(localID))")
        }
        if isRemoved?(hello.from) == true {
            return refuse("member removed", hello, reason: Self.memberRemovedReason)
        }
        peer = hello.from
    }

    /// A member about to join asks who is in the cluster: answer once and close.
    private func answerMembersRequest() {
        helloTimer?.cancel()
        helloTimer = nil
        connection.pauseReading()
        guard let summary = membershipSummary?() else { return connection.close() }
        connection.write(PeerFrame.members(summary).chunks)
        connection.closeAfterPendingWrites()
    }

    private func refuse(_ what: String, _ hello: PeerFrame.Hello, reason: String) {
        log.error("rejected a connection from a remote peer: \(what)", [
            "local-member-id": .string(hex(localID)), "local-cluster-id": .string(String(clusterID, radix: 16)),
            "remote-peer-id": .string(hex(hello.from)), "remote-peer-cluster-id": .string(String(hello.clusterID, radix: 16)),
            "remote-addr": .string(connection.remoteAddress), "reason": .string(reason),
        ])
        connection.pauseReading()
        connection.write(PeerFrame.reject(reason).chunks)
        connection.closeAfterPendingWrites()
    }
}
