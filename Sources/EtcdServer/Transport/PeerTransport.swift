import EventLoop
import Raft

/// Raft messages between members over libuv TCP: one outbound `PeerSender` per peer (a
/// persistent connection we dial, with reconnect and bounded queues) and the inbound
/// `PeerReceiver`s for connections peers dialled to us on the peer listen URLs.
///
/// Sending is batched: messages handed to `send` during one loop iteration are written at the
/// end of it, one socket write per peer. Loop thread only.
final class PeerTransport {
    let localID: NodeID
    let clusterID: UInt64
    private let loop: EventLoop
    private let log: Logger
    private let limits: PeerTransportLimits
    private var listeners: [TCPListener] = []
    private var senders: [NodeID: PeerSender] = [:]
    private var receivers: [ObjectIdentifier: PeerReceiver] = [:]
    private var flushScheduled = false
    /// TLS for https peer URLs: `server` for our listeners, `client` to dial peers.
    var tls = PeerTLS()
    private var stopped = false

    /// A message from a peer, addressed to this member.
    var onMessage: ((Message) -> Void)?
    /// Messages to `peer` were dropped: Raft should stop streaming to it optimistically.
    var onUnreachable: ((NodeID) -> Void)?
    /// A snapshot message to `peer` was dropped.
    var onSnapshotFailed: ((NodeID) -> Void)?
    /// Where received snapshot files are written; nil refuses incoming snapshots.
    var snapshotDirectory: String?
    /// Takes a received and verified snapshot (see `SnapshotReceiver`).
    var onSnapshot: SnapshotReceiver.Handler?
    /// Outgoing snapshot transfers, at most one per peer.
    private var snapshotSenders: [NodeID: SnapshotSender] = [:]
    /// The inbound connection receiving a snapshot: one at a time, whoever sends it.
    private var snapshotReceiving: ObjectIdentifier?
    /// A peer refused our connection, with its reason.
    var onRejected: ((NodeID, String) -> Void)?
    /// Whether `id` was removed from the cluster: its connections are refused.
    var isRemoved: ((NodeID) -> Bool)?
    /// The membership as a joining member asks for it (see `PeerFrame.membersRequest`).
    var membershipSummary: (() -> [UInt8]?)?

    init(loop: EventLoop, localID: NodeID, clusterID: UInt64, log: Logger, limits: PeerTransportLimits = .init()) {
        self.loop = loop
        self.localID = localID
        self.clusterID = clusterID
        self.log = log
        self.limits = limits
    }

    /// Binds every listen URL; throws (having bound nothing) when one fails.
    func listen(on urls: [String]) throws {
        var bound: [TCPListener] = []
        do {
            for url in urls {
                guard let address = PeerAddress(url: url) else { throw TransportError.badURL(url) }
                let listener = try TCPListener(loop: loop, host: address.host, port: address.port)
                let secure = try tls.acceptor(for: address, log: log)
                listener.onAccept = { [unowned self] connection in
                    if let secure, !secure(connection) { return }
                    accept(connection)
                }
                bound.append(listener)
                log.info("now listening for peers", ["address": .string(address.description)])
            }
        } catch {
            for listener in bound { listener.close() }
            throw error
        }
        listeners.append(contentsOf: bound)
    }

    /// The ports actually bound (useful after listening on port 0).
    var listenPorts: [Int] { listeners.map(\.port) }

    /// Adds a peer, or updates its URLs; the first connection attempt starts at once.
    func setPeer(_ id: NodeID, urls: [String]) {
        guard id != localID, !stopped else { return }
        let addresses = urls.compactMap(PeerAddress.init(url:))
        guard !addresses.isEmpty else {
            log.warn("ignoring a peer without a usable URL", ["remote-peer-id": .string(hex(id)), "urls": .strings(urls)])
            return
        }
        if let sender = senders[id] { return sender.update(addresses: addresses) }
        let sender = PeerSender(peerID: id, addresses: addresses, localID: localID, clusterID: clusterID,
                                loop: loop, log: log, limits: limits)
        sender.onDropped = { [unowned self] peer, types in dropped(peer, types) }
        sender.tls = tls.client
        sender.onRejected = { [unowned self] peer, reason in onRejected?(peer, reason) }
        senders[id] = sender
        sender.start()
    }

    func removePeer(_ id: NodeID) {
        senders.removeValue(forKey: id)?.stop()
        snapshotSenders[id]?.cancel()
    }

    /// Whether a snapshot is on its way to `peer`.
    func isSendingSnapshot(to peer: NodeID) -> Bool { snapshotSenders[peer] != nil }

    /// Streams snapshot message `m` with the backend file at `filePath` to its peer on a
    /// connection of its own; `completion` gets nil once the peer accepted it, else the reason.
    func sendSnapshot(_ m: Message, filePath: String, completion: @escaping (String?) -> Void) {
        guard !stopped else { return completion("the transport is stopped") }
        guard snapshotSenders[m.to] == nil else { return completion("a snapshot is already on its way to the peer") }
        guard let address = senders[m.to]?.addresses.first else { return completion("unknown peer") }
        let sender: SnapshotSender
        do {
            sender = try SnapshotSender(message: m, filePath: filePath, address: address, localID: localID,
                                        clusterID: clusterID, loop: loop, log: log, limits: limits, tls: tls.client)
        } catch {
            return completion("cannot read the snapshot file: \(error)")
        }
        snapshotSenders[m.to] = sender
        sender.onFinish = { [weak self] sender, failure in
            if self?.snapshotSenders[sender.peerID] === sender { self?.snapshotSenders.removeValue(forKey: sender.peerID) }
            completion(failure)
        }
        sender.start()
    }

    /// `id` was removed from the cluster: its open connections to us are told so and closed
    /// (it stops on that), and new ones are refused (see `isRemoved`).
    func disconnectRemoved(_ id: NodeID) {
        removePeer(id)
        for receiver in receivers.values where receiver.remoteID == id {
            receiver.refuse(reason: PeerReceiver.memberRemovedReason)
        }
    }

    var peers: [NodeID] { senders.keys.sorted() }

    func isConnected(to id: NodeID) -> Bool { senders[id]?.isConnected ?? false }

    /// Since when the connection to `id` has been up (loop milliseconds), nil when it is down.
    func activeSince(_ id: NodeID) -> UInt64? { senders[id]?.activeSinceMilliseconds }

    /// Queues messages for their peers; they leave at the end of this loop iteration.
    func send(_ messages: [Message]) {
        guard !stopped else { return }
        var droppedByPeer: [NodeID: [MessageType]] = [:]
        for m in messages {
            guard let sender = senders[m.to] else {
                log.debug("ignored message to an unknown peer", ["remote-peer-id": .string(hex(m.to))])
                continue
            }
            if !sender.enqueue(m.type, RaftCodec.encode(m)) { droppedByPeer[m.to, default: []].append(m.type) }
        }
        for peer in droppedByPeer.keys.sorted() { dropped(peer, droppedByPeer[peer]!) }
        scheduleFlush()
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        for listener in listeners { listener.close() }
        listeners.removeAll()
        for sender in senders.values { sender.stop() }
        senders.removeAll()
        for sender in snapshotSenders.values { sender.cancel() }
        snapshotSenders.removeAll()
        for receiver in receivers.values { receiver.close() }
    }

    // MARK: Internals

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.deferToIterationEnd { [weak self] in
            guard let self else { return }
            flushScheduled = false
            for id in senders.keys.sorted() { senders[id]!.flush() }
        }
    }

    private func dropped(_ peer: NodeID, _ types: [MessageType]) {
        if types.contains(.snapshot) { onSnapshotFailed?(peer) }
        onUnreachable?(peer)
    }

    private func accept(_ connection: TCPConnection) {
        guard !stopped else { return connection.close() }
        let receiver = PeerReceiver(connection: connection, localID: localID, clusterID: clusterID, log: log, limits: limits)
        receivers[ObjectIdentifier(receiver)] = receiver
        receiver.onMessage = { [unowned self] in onMessage?($0) }
        receiver.onSnapshot = { [unowned self] m, path, reply in
            guard let onSnapshot else { return reply("the member does not take snapshots") }
            onSnapshot(m, path, reply)
        }
        receiver.makeSnapshotReceiver = { [unowned self, unowned receiver] peer, begin, connection in
            guard let directory = snapshotDirectory else { throw SnapshotError.protocolError("this member does not take snapshots") }
            guard snapshotReceiving == nil else { throw SnapshotError.protocolError("another snapshot is being received") }
            let incoming = try SnapshotReceiver(peer: peer, begin: begin, localID: localID, connection: connection,
                                                directory: directory, log: log)
            snapshotReceiving = ObjectIdentifier(receiver)
            return incoming
        }
        receiver.isRemoved = { [unowned self] in isRemoved?($0) ?? false }
        receiver.membershipSummary = { [unowned self] in membershipSummary?() }
        receiver.onClose = { [weak self] r in
            self?.receivers.removeValue(forKey: ObjectIdentifier(r))
            if self?.snapshotReceiving == ObjectIdentifier(r) { self?.snapshotReceiving = nil }
        }
        receiver.start()
    }
}

enum TransportError: Error, CustomStringConvertible {
    case badURL(String)

    var description: String {
        switch self {
        case .badURL(let url): return "cannot listen for peers on \(url): expected scheme://host:port"
        }
    }
}
