// The simulated disk and storage: only synced writes survive a crash for sure, a torn last
// write reads as never written, and the storage the RawNode reads behaves like a WAL replay.

import Raft
import RaftSimulator
import Testing

@Suite("simulated disk")
struct SimDiskTests {
    func entries(_ range: ClosedRange<UInt64>, term: UInt64) -> [Entry] {
        range.map { Entry(term: Term($0 == 0 ? 0 : term), index: LogIndex($0), data: [UInt8(truncatingIfNeeded: $0)]) }
    }

    func batch(_ e: [Entry], term: UInt64, commit: UInt64) -> SimWriteBatch {
        SimWriteBatch(snapshot: nil, entries: e, hardState: HardState(term: Term(term), vote: 1, commit: LogIndex(commit)))
    }

    @Test("synced writes always survive; unsynced ones survive as a prefix; torn ones vanish")
    func crashKeepsPrefix() throws {
        var sawLoss = false
        var sawTorn = false
        var sawKept = false
        for seed in UInt64(1)...64 {
            var disk = SimDisk(base: SimStorage(confState: ConfState(voters: [1])))
            disk.write(batch(entries(1...3, term: 1), term: 1, commit: 0))
            disk.sync()
            disk.write(batch(entries(4...5, term: 1), term: 1, commit: 3))
            disk.write(batch(entries(6...6, term: 2), term: 2, commit: 5))
            var rng = SimRandom(seed: seed)
            let (lost, torn) = disk.crash(rng: &rng, tornWrites: true)
            let s = try disk.recover()
            let last = s.lastIndex().rawValue
            #expect([3, 5, 6].contains(last), "recovered a log that is not a prefix of the writes")
            #expect(s.hardState.term.rawValue >= 1)
            // The recovered state is now durable: a second recovery yields the same.
            #expect(try disk.recover().lastIndex().rawValue == last)
            #expect(disk.durable.lastIndex().rawValue == last)
            if lost > 0 || torn { sawLoss = true }
            if torn { sawTorn = true }
            if last == 6 { sawKept = true }
        }
        #expect(sawLoss && sawTorn && sawKept)
    }

    @Test("storage truncates a conflicting suffix and serves terms, entries and snapshots")
    func storage() throws {
        let s = SimStorage(confState: ConfState(voters: [1, 2, 3]))
        s.apply(batch(entries(1...5, term: 1), term: 1, commit: 2))
        s.apply(batch(entries(4...4, term: 2), term: 2, commit: 2))
        #expect(s.lastIndex() == 4)
        #expect(try s.term(at: 4) == 2)
        #expect(try s.term(at: 3) == 1)
        #expect(throws: StorageError.unavailable) { try s.term(at: 5) }
        #expect(try s.entries(from: 1, to: 5, maxBytes: .max).count == 4)
        #expect(try s.entries(from: 1, to: 5, maxBytes: 0).count == 1)  // at least one entry
        let snap = Snapshot(data: [9], metadata: SnapshotMetadata(confState: ConfState(voters: [1, 2, 3]), index: 3, term: 1))
        s.compact(snap)
        #expect(s.firstIndex() == 4)
        #expect(throws: StorageError.compacted) { try s.entries(from: 3, to: 4, maxBytes: .max) }
        #expect(try s.snapshot() == snap)
        #expect(s.initialState().1 == ConfState(voters: [1, 2, 3]))
    }

    @Test("the PRNG is a pure function of its seed")
    func prng() {
        var a = SimRandom(seed: 42)
        var b = SimRandom(seed: 42)
        var c = SimRandom(seed: 43)
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
        for _ in 0..<1000 { #expect((3...9).contains(a.int(in: 3...9))) }
    }
}
