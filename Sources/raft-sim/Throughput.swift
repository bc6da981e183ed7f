// `raft-sim --throughput N`: the Raft core's own cost. Three RawNodes over MemoryStorage in one
// thread, messages handed over directly (no I/O, no faults, no checkers): N proposals of 64
// bytes in batches of 100, each batch driven until every node has applied it.

import Raft

struct ThroughputResult {
    var proposals: Int
    var seconds: Double
    var perSecond: Double { Double(proposals) / max(seconds, 1e-9) }
}

func measureThroughput(proposals total: Int, batch: Int = 100) throws -> ThroughputResult {
    let ids = (1...3).map { NodeID(UInt64($0)) }
    let confState = ConfState(voters: ids)
    // Arrays indexed by id - 1, so the harness itself hashes nothing.
    var nodes: [RawNode] = []
    var storages: [MemoryStorage] = []
    var applied = [Int](repeating: 0, count: ids.count)
    for id in ids {
        var config = RaftConfig(id: id)
        config.randomSeed = id.rawValue
        let storage = MemoryStorage(confState: confState)
        storages.append(storage)
        nodes.append(try RawNode(config: config, storage: storage))
    }
    var inFlight: [Message] = []

    /// Persists, sends and applies every pending Ready until no node has work and no message is
    /// in flight. Bounded: a stuck cluster is a bug in the core, reported as such.
    func drive() throws {
        for _ in 0..<100_000 {
            var moved = false
            for i in nodes.indices {
                let node = nodes[i]
                guard node.hasReady() else { continue }
                moved = true
                let rd = node.ready()
                try storages[i].append(rd.entries)
                if let hs = rd.hardState { storages[i].setHardState(hs) }
                inFlight.append(contentsOf: rd.messages)
                applied[i] += rd.committedEntries.lazy.filter { $0.type == .normal && !$0.data.isEmpty }.count
                node.advance(rd)
            }
            if !inFlight.isEmpty {
                moved = true
                let batch = inFlight
                inFlight.removeAll(keepingCapacity: true)
                for m in batch { try nodes[Int(m.to.rawValue) - 1].step(m) }
            }
            if !moved { return }
        }
        throw ThroughputError.stuck
    }

    try nodes[0].campaign()
    try drive()
    let payload = [UInt8](repeating: 0x6B, count: 64)
    let clock = ContinuousClock()
    let start = clock.now
    var proposed = 0
    while proposed < total {
        let n = min(batch, total - proposed)
        for _ in 0..<n { try nodes[0].propose(payload) }
        proposed += n
        try drive()
    }
    let seconds = elapsedSeconds(clock.now - start)
    for (i, count) in applied.enumerated() where count != total {
        throw ThroughputError.notApplied(id: UInt64(i + 1), applied: count)
    }
    return ThroughputResult(proposals: total, seconds: seconds)
}

enum ThroughputError: Error, CustomStringConvertible {
    case stuck
    case notApplied(id: UInt64, applied: Int)

    var description: String {
        switch self {
        case .stuck: "the cluster did not settle"
        case .notApplied(let id, let applied): "node \(id) applied \(applied) proposals"
        }
    }
}
