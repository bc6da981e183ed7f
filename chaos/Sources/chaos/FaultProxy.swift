import ChaosCheckers
import EventLoop

/// A TCP proxy in front of every member's peer port. Members advertise the proxy's port as
/// their peer URL, so every Raft message passes through here. The proxy learns a connection's
/// source member from the hello frame Keel's transport opens each connection with (its member
/// ID) and applies the `LinkFault` of that directed link to every chunk. Loop thread only.
final class FaultProxy {
    private let loop: EventLoop
    private var listeners: [TCPListener] = []
    private var connections: [ObjectIdentifier: ProxiedConnection] = [:]
    private var faults: [Link: LinkFault] = [:]
    /// Raft member ID → member index, learned from MemberList once the cluster is up.
    private var memberIndex: [UInt64: Int] = [:]
    private var rng: SeededGenerator
    private(set) var resets = 0

    init(loop: EventLoop, seed: UInt64) {
        self.loop = loop
        rng = SeededGenerator(seed: seed ^ 0x5052_4F58_5921)
    }

    /// Listens on `listenPort` and forwards to `targetPort`, for member `member`.
    func add(member: Int, listenPort: Int, targetPort: Int) throws {
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: listenPort)
        listener.onAccept = { [unowned self] inbound in
            let c = ProxiedConnection(inbound: inbound, to: member, proxy: self)
            connections[ObjectIdentifier(c)] = c
            c.start(targetPort: targetPort)
        }
        listeners.append(listener)
    }

    func learn(memberIDs: [UInt64: Int]) { memberIndex = memberIDs }

    func set(_ link: Link, _ fault: LinkFault) {
        let before = faults[link] ?? .none
        faults[link] = fault == .none ? nil : fault
        if before.blackhole && !fault.blackhole { reset(link) }
    }

    /// Removes every fault; connections that lost bytes are reset.
    func healAll() {
        let blackholed = faults.filter { $0.value.blackhole }.map(\.key)
        faults.removeAll()
        for link in blackholed { reset(link) }
    }

    /// Closes every connection on `link` (both sides): the sender reconnects.
    func reset(_ link: Link) {
        for c in connections.values where self.link(of: c) == link { c.closeBoth() }
    }

    func stop() {
        for l in listeners { l.close() }
        listeners.removeAll()
        for c in connections.values { c.closeBoth() }
    }

    // MARK: used by ProxiedConnection

    func link(of c: ProxiedConnection) -> Link? {
        guard let id = c.sourceID, let from = memberIndex[id] else {
            // Once members are known, a connection we cannot attribute would escape every
            // fault silently: count it so the run reports it instead of passing vacuously.
            if !memberIndex.isEmpty && c.headerComplete && !c.counted {
                c.counted = true
                unattributed += 1
            }
            return nil
        }
        return Link(from: from, to: c.destination)
    }

    /// Connections whose sender could not be identified (not a Keel hello, or an unknown member).
    private(set) var unattributed = 0

    func fault(for c: ProxiedConnection) -> LinkFault { link(of: c).flatMap { faults[$0] } ?? .none }

    func roll() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }

    func jitter(_ span: UInt64) -> Int64 {
        span == 0 ? 0 : Int64(rng.next() % (2 * span + 1)) - Int64(span)
    }

    func closed(_ c: ProxiedConnection) {
        connections.removeValue(forKey: ObjectIdentifier(c))
    }

    func countReset() { resets += 1 }

    var now: UInt64 { loop.nowMilliseconds }

    func after(_ ms: UInt64, _ body: @escaping () -> Void) { loop.schedule(afterMilliseconds: ms, body) }
}

/// One proxied peer connection: inbound from the dialling member, upstream to the real peer port.
final class ProxiedConnection {
    let inbound: TCPConnection
    let destination: Int
    private unowned let proxy: FaultProxy
    private var upstream: TCPConnection?
    private var pending: [[UInt8]] = []
    private var header: [UInt8] = []
    private(set) var sourceID: UInt64?
    var counted = false
    var headerComplete: Bool { header.count == Self.helloPrefix }
    /// Bytes were swallowed by a blackhole: the stream is no longer frame-aligned.
    private var poisoned = false
    private var lastDelivery: UInt64 = 0
    private var isClosed = false

    /// Bytes of the hello frame up to the end of the sender's member ID.
    static let helloPrefix = 5 + 16

    init(inbound: TCPConnection, to destination: Int, proxy: FaultProxy) {
        self.inbound = inbound
        self.destination = destination
        self.proxy = proxy
    }

    func start(targetPort: Int) {
        inbound.onRead = { [weak self] bytes in self?.received(Array(bytes)) }
        inbound.onClose = { [weak self] _ in self?.closeBoth() }
        inbound.startReading()
        TCPConnection.connect(loop: inbound.loop, host: "127.0.0.1", port: targetPort) { [self] result in
            switch result {
            case .failure:
                closeBoth()
            case .success(let up):
                if isClosed { up.close(); return }
                upstream = up
                up.onRead = { [weak self] bytes in self?.inbound.write(Array(bytes)) }
                up.onClose = { [weak self] _ in self?.closeBoth() }
                up.startReading()
                if !pending.isEmpty { up.write(pending) }
                pending.removeAll()
            }
        }
    }

    private func received(_ bytes: [UInt8]) {
        if sourceID == nil { learnSource(bytes) }
        let fault = proxy.fault(for: self)
        if fault.blackhole {
            poisoned = true
            return
        }
        if poisoned || (fault.dropRate > 0 && proxy.roll() < fault.dropRate) {
            proxy.countReset()
            closeBoth()
            return
        }
        if fault.delayMilliseconds > 0 || lastDelivery > proxy.now {
            let delay = max(0, Int64(fault.delayMilliseconds) + proxy.jitter(fault.jitterMilliseconds))
            // Never overtake bytes already scheduled: the stream stays in order.
            let due = max(proxy.now + UInt64(delay), lastDelivery)
            lastDelivery = due
            proxy.after(due - proxy.now) { [weak self] in self?.forward(bytes) }
        } else {
            forward(bytes)
        }
    }

    private func learnSource(_ bytes: [UInt8]) {
        guard header.count < Self.helloPrefix else { return }
        header.append(contentsOf: bytes.prefix(Self.helloPrefix - header.count))
        guard header.count == Self.helloPrefix, header[4] == 1 else { return }
        sourceID = header[13..<21].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func forward(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        if let upstream { upstream.write(bytes) } else { pending.append(bytes) }
    }

    func closeBoth() {
        guard !isClosed else { return }
        isClosed = true
        inbound.close()
        upstream?.close()
        proxy.closed(self)
    }
}
