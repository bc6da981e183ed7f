import Raft

/// A node's simulated disk: an append-only log of checksummed frames, one per write batch.
///
/// A write is durable only once `sync()` covers it. A crash keeps every synced frame plus a
/// random prefix of the unsynced ones (a disk may have flushed some of them on its own), and the
/// last kept frame may be torn (cut short). Recovery decodes frames in order and stops at the
/// first one whose length or checksum does not match: a torn write counts as never written.
public struct SimDisk {
    struct Frame {
        var bytes: [UInt8]
        var batch: SimWriteBatch
    }

    private var frames: [Frame] = []
    private var syncedCount = 0
    /// Only what was synced: the checkers compare sent messages against it.
    public private(set) var durable: SimStorage
    /// Count of syncs, for the trace.
    public private(set) var syncs = 0

    public init(base storage: SimStorage) {
        durable = SimStorage(confState: ConfState())
        let base = storage.baseBatch()
        durable.apply(base)
        frames = [Frame(bytes: SimDisk.encodeFrame(base), batch: base)]
        syncedCount = 1
    }

    public var hasUnsynced: Bool { syncedCount < frames.count }

    public mutating func write(_ batch: SimWriteBatch) {
        frames.append(Frame(bytes: SimDisk.encodeFrame(batch), batch: batch))
    }

    public mutating func sync() {
        while syncedCount < frames.count {
            durable.apply(frames[syncedCount].batch)
            syncedCount += 1
        }
        syncs += 1
    }

    /// Replaces the whole log with one frame holding `storage`'s state (after a compaction);
    /// done as write-to-new-file, fsync, rename, so it is atomic and durable.
    public mutating func rewrite(from storage: SimStorage) {
        let base = storage.baseBatch()
        frames = [Frame(bytes: SimDisk.encodeFrame(base), batch: base)]
        syncedCount = 1
        durable = SimStorage(confState: storage.snapshotMeta.confState)
        durable.apply(base)
        syncs += 1
    }

    /// What survives a crash. Returns how many unsynced frames were lost and whether the last
    /// kept one was torn.
    public mutating func crash(rng: inout SimRandom, tornWrites: Bool) -> (lost: Int, torn: Bool) {
        let unsynced = frames.count - syncedCount
        if unsynced == 0 { return (0, false) }
        let kept = rng.int(in: 0...unsynced)
        let lost = unsynced - kept
        frames.removeLast(lost)
        var torn = false
        if tornWrites, let last = frames.last, frames.count > syncedCount, rng.chance(0.5) {
            let cut = rng.int(in: 0...(last.bytes.count - 1))
            frames[frames.count - 1].bytes.removeLast(last.bytes.count - cut)
            torn = true
        }
        return (lost, torn)
    }

    /// Rebuilds the storage from the bytes on disk, as a restarting process would. Frames after
    /// the first unreadable one are discarded (truncating the log, as a WAL repair does).
    public mutating func recover() throws -> SimStorage {
        var storage: SimStorage?
        var good = 0
        for frame in frames {
            guard let batch = try SimDisk.decodeFrame(frame.bytes) else { break }
            if storage == nil {
                guard let snap = batch.snapshot else { throw SimDiskError.missingBase }
                storage = SimStorage(confState: snap.metadata.confState)
            }
            storage!.apply(batch)
            good += 1
        }
        frames.removeLast(frames.count - good)
        guard let recovered = storage else { throw SimDiskError.missingBase }
        // What is on disk now is what the next incarnation starts from: all of it is durable.
        syncedCount = frames.count
        durable = SimStorage(confState: recovered.snapshotMeta.confState)
        for frame in frames { durable.apply(frame.batch) }
        return recovered
    }

    // MARK: frame codec: [u32 payload length][payload][u64 checksum of payload]

    static func encodeFrame(_ batch: SimWriteBatch) -> [UInt8] {
        var payload: [UInt8] = []
        var flags: UInt8 = 0
        if batch.snapshot != nil { flags |= 1 }
        if batch.hardState != nil { flags |= 2 }
        payload.append(flags)
        if let snap = batch.snapshot {
            appendBlob(&payload, RaftCodec.encode(snap.metadata))
            appendBlob(&payload, snap.data)
        }
        appendU32(&payload, UInt32(batch.entries.count))
        for e in batch.entries { appendBlob(&payload, RaftCodec.encode(e)) }
        if let hs = batch.hardState { appendBlob(&payload, RaftCodec.encode(hs)) }
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 12)
        appendU32(&out, UInt32(payload.count))
        out.append(contentsOf: payload)
        appendU64(&out, checksum(payload[...]))
        return out
    }

    /// Nil when the frame is torn (short or checksum mismatch).
    static func decodeFrame(_ bytes: [UInt8]) throws -> SimWriteBatch? {
        guard bytes.count >= 12 else { return nil }
        var r = ByteReader(bytes: bytes[...])
        let len = Int(try r.u32())
        guard bytes.count == 4 + len + 8 else { return nil }
        let payload = bytes[4..<(4 + len)]
        var tail = ByteReader(bytes: bytes[(4 + len)...])
        guard try tail.u64() == checksum(payload) else { return nil }
        var p = ByteReader(bytes: payload)
        let flags = try p.u8()
        var snap: Snapshot?
        if flags & 1 != 0 {
            let meta = try RaftCodec.decodeSnapshotMetadata(Array(try p.blob()))
            snap = Snapshot(data: Array(try p.blob()), metadata: meta)
        }
        let count = Int(try p.u32())
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count { entries.append(try RaftCodec.decodeEntry(Array(try p.blob()))) }
        var hs: HardState?
        if flags & 2 != 0 { hs = try RaftCodec.decodeHardState(Array(try p.blob())) }
        return SimWriteBatch(snapshot: snap, entries: entries, hardState: hs)
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    static func appendU32(_ out: inout [UInt8], _ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }

    static func appendU64(_ out: inout [UInt8], _ v: UInt64) {
        for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }

    static func appendBlob(_ out: inout [UInt8], _ blob: [UInt8]) {
        appendU32(&out, UInt32(blob.count))
        out.append(contentsOf: blob)
    }
}

public enum SimDiskError: Error, Sendable {
    case missingBase
    case truncated
}

/// Little-endian reader over a byte slice; throws `SimDiskError.truncated` on a short read.
struct ByteReader {
    var bytes: ArraySlice<UInt8>

    mutating func u8() throws -> UInt8 {
        guard let b = bytes.first else { throw SimDiskError.truncated }
        bytes = bytes.dropFirst()
        return b
    }

    mutating func u32() throws -> UInt32 {
        var v: UInt32 = 0
        for s in stride(from: 0, to: 32, by: 8) { v |= UInt32(try u8()) << UInt32(s) }
        return v
    }

    mutating func u64() throws -> UInt64 {
        var v: UInt64 = 0
        for s in stride(from: 0, to: 64, by: 8) { v |= UInt64(try u8()) << UInt64(s) }
        return v
    }

    mutating func blob() throws -> ArraySlice<UInt8> {
        let n = Int(try u32())
        guard bytes.count >= n else { throw SimDiskError.truncated }
        let out = bytes.prefix(n)
        bytes = bytes.dropFirst(n)
        return out
    }
}
