import EventLoop
import Raft
import TLS

/// The outbound side of the transport for one peer: a persistent TCP connection that carries
/// Raft messages to it. Messages queued during one loop iteration go out as one socket write.
///
/// States: `connecting` (messages are queued, bounded), `connected` (queued messages are written
/// when the socket keeps up), `waiting` (a reconnect is scheduled with backoff; messages are
/// dropped at once, as etcd drops them for an inactive peer, so Raft learns of it quickly).
final class PeerSender {
    let peerID: NodeID
    private let localID: NodeID
    private let clusterID: UInt64
    private let loop: EventLoop
    private let log: Logger
    private let limits: PeerTransportLimits
    private(set) var addresses: [PeerAddress]

    private enum State { case waiting, connecting, connected(TCPConnection), stopped }
    private var state: State = .waiting
    private var queue: [(type: MessageType, frame: [[UInt8]], bytes: Int)] = []
    private var queuedBytes = 0
    private var attempt = 0
    private var nextAddress = 0
    private var retryTimer: LoopTimer?
    /// Whether the last connection was established: transitions are logged, retries are not.
    private var wasActive = false
    /// Dials https peer addresses with TLS (nil: such addresses cannot be reached).
    var tls: TLSContext?

    /// Messages that could not be sent (queue full, connection lost); the transport reports
    /// the peer unreachable, and failed snapshots, to Raft.
    var onDropped: ((NodeID, [MessageType]) -> Void)?

    init(peerID: NodeID, addresses: [PeerAddress], localID: NodeID, clusterID: UInt64,
         loop: EventLoop, log: Logger, limits: PeerTransportLimits) {
        precondition(!addresses.isEmpty, "a peer needs an address to dial")
        self.peerID = peerID
        self.addresses = addresses
        self.localID = localID
        self.clusterID = clusterID
        self.loop = loop
        self.log = log
        self.limits = limits
    }

    var isConnected: Bool { if case .connected = state { true } else { false } }
    /// When the current connection was established (loop milliseconds); nil while not connected.
    private(set) var activeSinceMilliseconds: UInt64?
    /// The peer refused the connection, with its reason (for example: we were removed).
    var onRejected: ((NodeID, String) -> Void)?
    var queuedMessages: Int { queue.count }

    func start() {
        guard case .waiting = state, retryTimer == nil else { return }
        connect()
    }

    func update(addresses new: [PeerAddress]) {
        precondition(!new.isEmpty, "a peer needs an address to dial")
        guard new != addresses else { return }
        addresses = new
        nextAddress = 0
    }

    /// Queues one encoded message; false when it was dropped (not connected, or queue full).
    func enqueue(_ type: MessageType, _ encoded: [UInt8]) -> Bool {
        switch state {
        case .waiting, .stopped: return false
        case .connecting, .connected: break
        }
        guard queue.count < limits.maxQueuedMessages, queuedBytes + encoded.count <= limits.maxQueuedBytes else { return false }
        let frame = PeerFrame.message(encoded).chunks
        queue.append((type, frame, encoded.count))
        queuedBytes += encoded.count
        return true
    }

    /// Writes everything queued as one write, unless the socket is still busy with earlier
    /// writes (then `onWritable` calls back here).
    func flush() {
        guard case .connected(let connection) = state, !queue.isEmpty else { return }
        guard connection.pendingWriteBytes < limits.writeHighWaterBytes else { return }
        var chunks: [[UInt8]] = []
        chunks.reserveCapacity(queue.count * 2)
        for item in queue { chunks.append(contentsOf: item.frame) }
        queue.removeAll(keepingCapacity: true)
        queuedBytes = 0
        connection.write(chunks)
    }

    func stop() {
        retryTimer?.cancel()
        retryTimer = nil
        let previous = state
        state = .stopped
        activeSinceMilliseconds = nil
        if case .connected(let connection) = previous { connection.close() }
        queue.removeAll()
        queuedBytes = 0
    }

    // MARK: Connecting

    private func connect() {
        retryTimer = nil
        let address = addresses[nextAddress % addresses.count]
        state = .connecting
        address.dial(loop: loop, tls: tls) { [weak self] result in
            guard let self else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            guard case .connecting = state else {  // stopped meanwhile
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection): connected(connection, to: address)
            case .failure(let error): lost(reason: "\(error)", rejected: false)
            }
        }
    }

    private func connected(_ connection: TCPConnection, to address: PeerAddress) {
        state = .connected(connection)
        activeSinceMilliseconds = loop.nowMilliseconds
        attempt = 0
        if !wasActive {
            wasActive = true
            log.info("established TCP streaming connection with remote peer", [
                "local-member-id": .string(hex(localID)), "remote-peer-id": .string(hex(peerID)),
                "address": .string(address.description),
            ])
        }
        var decoder = FrameDecoder(maxFrameBytes: 64 * 1024)
        var rejected = false
        connection.onRead = { [weak self, weak connection] bytes in
            // The receiver only ever answers with a rejection before closing.
            decoder.append(bytes)
            if case .reject(let reason)? = try? decoder.next() {
                rejected = true
                self?.log.error("remote peer rejected the connection", [
                    "local-member-id": .string(hex(self?.localID ?? .none)), "remote-peer-id": .string(hex(self?.peerID ?? .none)),
                    "reason": .string(reason),
                ])
                connection?.close()
                if let self { onRejected?(peerID, reason) }
            }
        }
        connection.onWritable = { [weak self] in self?.flush() }
        connection.onClose = { [weak self] error in
            guard let self, case .connected(let current) = state, current === connection else { return }
            lost(reason: error.map { "\($0)" } ?? "connection closed by the peer", rejected: rejected)
        }
        connection.writeLowWaterMark = limits.writeHighWaterBytes / 2
        connection.startReading()
        connection.write(PeerFrame.hello(.init(clusterID: clusterID, from: localID, to: peerID)).chunks)
        flush()
    }

    private func lost(reason: String, rejected: Bool) {
        if case .connected(let connection) = state { connection.close() }
        state = .waiting
        activeSinceMilliseconds = nil
        if wasActive {
            wasActive = false
            log.warn("lost TCP streaming connection with remote peer", [
                "local-member-id": .string(hex(localID)), "remote-peer-id": .string(hex(peerID)),
                "error": .string(reason),
            ])
        }
        let dropped = queue.map(\.type)
        queue.removeAll()
        queuedBytes = 0
        if !dropped.isEmpty { onDropped?(peerID, dropped) }
        nextAddress += 1
        let delay = rejected ? limits.rejectedRetryMilliseconds : backoff()
        attempt += 1
        retryTimer = loop.schedule(afterMilliseconds: delay) { [weak self] in
            guard let self, case .waiting = state else { return }
            connect()
        }
    }

    private func backoff() -> UInt64 {
        let doubled = limits.reconnectInitialMilliseconds << UInt64(min(attempt, 16))
        return min(doubled, limits.reconnectMaxMilliseconds)
    }
}
