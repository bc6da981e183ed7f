import Raft

/// The replicated state machine of the simulation: the applied index and a rolling hash of
/// every applied entry. Two nodes that applied the same entries have the same hash, so the
/// checker can compare whole histories (and snapshots) in O(1).
public struct SimStateMachine: Sendable, Equatable {
    public private(set) var applied: UInt64 = 0
    public private(set) var hash: UInt64 = 0x6A09_E667_F3BC_C908

    public init() {}


    public mutating func apply(_ e: Entry) {
        applied = e.index.rawValue
        hash = SimStateMachine.mix(hash, e.index.rawValue, e.term.rawValue, SimStateMachine.dataHash(e.data))
    }

    static func mix(_ h: UInt64, _ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var x = h
        for v in [a, b, c] {
            x ^= v
            x = x &* 0x9E37_79B9_7F4A_7C15
            x ^= x >> 31
        }
        return x
    }

    public static func dataHash(_ data: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The snapshot payload: applied index and hash, little endian.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        SimDisk.appendU64(&out, applied)
        SimDisk.appendU64(&out, hash)
        return out
    }

    /// Restores from a snapshot payload; an empty payload is the initial (bootstrap) state.
    public init(snapshotData: [UInt8]) throws {
        if snapshotData.isEmpty { return }
        var r = ByteReader(bytes: snapshotData[...])
        applied = try r.u64()
        hash = try r.u64()
    }
}
