// An in-memory cluster for tests: each member is a RawNode over a MemoryStorage, messages sit
// in one FIFO network queue, and links can be cut (one way or both) or nodes isolated.
// Everything is deterministic: nodes are visited in id order.

import Raft

final class Cluster {
    final class Member {
        let node: RawNode
        let storage: MemoryStorage
        let config: RaftConfig
        /// Data of applied normal entries, in order (empty entries skipped).
        var applied: [[UInt8]] = []
        var appliedIndex: LogIndex = 0
        var confState: ConfState
        var readStates: [ReadState] = []

        init(node: RawNode, storage: MemoryStorage, config: RaftConfig, confState: ConfState) {
            self.node = node
            self.storage = storage
            self.config = config
            self.confState = confState
        }
    }

    var members: [NodeID: Member] = [:]
    /// Messages sent and not yet delivered, in send order.
    var network: [Message] = []
    /// Directed links that lose every message (from, to).
    var cutLinks: Set<[UInt64]> = []
    /// Extra per-message drop rule.
    var dropRule: ((Message) -> Bool)?

    var ids: [NodeID] { members.keys.sorted() }

    init() {}

    /// A cluster of `n` voters 1...n, each configured by `configure`.
    convenience init(voters n: Int, configure: (inout RaftConfig) -> Void = { _ in }) throws {
        self.init()
        let cs = ConfState(voters: (1...UInt64(n)).map { NodeID($0) })
        for i in 1...UInt64(n) { try add(NodeID(i), confState: cs, configure: configure) }
    }

    func add(_ id: NodeID, confState: ConfState, configure: (inout RaftConfig) -> Void = { _ in }) throws {
        var cfg = RaftConfig(id: id)
        cfg.randomSeed = 42
        configure(&cfg)
        let storage = MemoryStorage(confState: confState)
        members[id] = Member(node: try RawNode(config: cfg, storage: storage), storage: storage, config: cfg,
                             confState: confState)
    }

    /// Restarts a member from its storage (volatile state lost).
    func restart(_ id: NodeID) throws {
        let m = members[id]!
        var cfg = m.config
        cfg.applied = m.appliedIndex
        let fresh = Member(node: try RawNode(config: cfg, storage: m.storage), storage: m.storage, config: m.config,
                           confState: m.confState)
        fresh.applied = m.applied
        fresh.appliedIndex = m.appliedIndex
        members[id] = fresh
    }

    func node(_ id: NodeID) -> RawNode { members[id]!.node }

    // MARK: Faults

    func cut(_ a: NodeID, _ b: NodeID) {
        cutLinks.insert([a.rawValue, b.rawValue])
        cutLinks.insert([b.rawValue, a.rawValue])
    }

    func cutOneWay(from a: NodeID, to b: NodeID) { cutLinks.insert([a.rawValue, b.rawValue]) }

    func isolate(_ id: NodeID) {
        for other in ids where other != id { cut(id, other) }
    }

    func heal() {
        cutLinks = []
        dropRule = nil
    }

    private func isDropped(_ m: Message) -> Bool {
        cutLinks.contains([m.from.rawValue, m.to.rawValue]) || dropRule?(m) == true || members[m.to] == nil
    }

    // MARK: Ready handling

    /// Persists, sends, applies and advances one Ready of `id`. Returns it (nil if none).
    @discardableResult
    func processReady(_ id: NodeID) -> Ready? {
        let m = members[id]!
        guard m.node.hasReady() else { return nil }
        let rd = m.node.ready()
        if let s = rd.snapshot {
            try! m.storage.applySnapshot(s)
            m.applied = [s.data]
            m.appliedIndex = s.metadata.index
            m.confState = s.metadata.confState
        }
        try! m.storage.append(rd.entries)
        if let hs = rd.hardState { m.storage.setHardState(hs) }
        network.append(contentsOf: rd.messages)
        for e in rd.committedEntries {
            switch e.type {
            case .normal:
                if !e.data.isEmpty { m.applied.append(e.data) }
            case .confChange:
                let cc = try! ConfChange(decoding: e.data)
                m.confState = m.node.applyConfChange(cc)
            }
            m.appliedIndex = e.index
        }
        m.readStates.append(contentsOf: rd.readStates)
        m.node.advance(rd)
        return rd
    }

    /// Delivers queued messages (those matching `filter`), in order; messages sent while
    /// delivering wait for the next call. Returns what was delivered (not dropped).
    @discardableResult
    func deliver(where filter: (Message) -> Bool = { _ in true }) -> [Message] {
        let batch = network.filter(filter)
        network.removeAll(where: filter)
        var delivered: [Message] = []
        for msg in batch where !isDropped(msg) {
            delivered.append(msg)
            try? members[msg.to]?.node.step(msg)
        }
        return delivered
    }

    /// Processes readies and delivers messages until nothing moves (bounded).
    func stabilize(maxRounds: Int = 10_000) {
        for _ in 0..<maxRounds {
            var moved = false
            for id in ids where processReady(id) != nil { moved = true }
            if !network.isEmpty {
                moved = true
                deliver()
            }
            if !moved { return }
        }
        preconditionFailure("cluster did not stabilize within \(maxRounds) rounds")
    }

    func tick(_ id: NodeID, _ n: Int = 1) {
        for _ in 0..<n { node(id).tick() }
    }

    func tickAll(_ n: Int = 1) {
        for _ in 0..<n { for id in ids { node(id).tick() } }
    }

    /// Ticks everyone and stabilizes after each tick until `done` holds (bounded).
    func tickUntil(maxTicks: Int = 1_000, _ done: () -> Bool) -> Bool {
        for _ in 0..<maxTicks {
            if done() { return true }
            tickAll()
            stabilize()
        }
        return done()
    }

    // MARK: Queries

    func status(_ id: NodeID) -> RaftStatus { node(id).status() }
    func role(_ id: NodeID) -> RaftRole { status(id).softState.role }
    func term(_ id: NodeID) -> Term { status(id).hardState.term }
    func commit(_ id: NodeID) -> LogIndex { status(id).hardState.commit }

    var leaders: [NodeID] { ids.filter { role($0) == .leader } }

    /// Elects `id` by campaigning and stabilizing.
    func elect(_ id: NodeID) throws {
        try node(id).campaign()
        stabilize()
    }

    func propose(_ id: NodeID, _ s: String) throws { try node(id).propose(Array(s.utf8)) }

    func appliedStrings(_ id: NodeID) -> [String] {
        members[id]!.applied.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The full log of `id` as (index, term) pairs from storage.
    func log(_ id: NodeID) -> [Entry] {
        let s = members[id]!.storage
        return (try? s.entries(from: s.firstIndex(), to: s.lastIndex() + 1, maxBytes: .max)) ?? []
    }

    /// Takes a snapshot at the member's applied index and compacts its log there.
    func compact(_ id: NodeID) throws {
        let m = members[id]!
        try m.storage.createSnapshot(index: m.appliedIndex, confState: m.confState,
                                     data: Array("snap@\(m.appliedIndex)".utf8))
        try m.storage.compact(to: m.appliedIndex)
    }
}
