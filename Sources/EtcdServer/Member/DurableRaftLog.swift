import Raft

/// The member's Raft log: records in the WAL on disk, and the in-memory `MemoryStorage` that Raft
/// reads from. On open it replays the WAL into memory, so a restarted member resumes exactly where
/// its durable state ends.
///
/// Record kinds in the WAL (a Keel format, checksummed by the WAL itself):
/// - `identity`: written once, first: member ID and cluster ID, checked on every restart;
/// - `entry`: a Raft entry (a later entry at the same index replaces the suffix from there on);
/// - `hardState`: term, vote and commit index;
/// - `snapshot`: the index and term of a backend snapshot the log was compacted to;
/// - `installedSnapshot`: a snapshot received from the leader: it replaces the whole log.
final class DurableRaftLog {
    enum RecordKind: UInt8 { case identity = 1, entry = 2, hardState = 3, snapshot = 4, installedSnapshot = 5 }

    struct Identity: Equatable {
        var memberID: NodeID
        var clusterID: UInt64
    }

    let storage = MemoryStorage()
    private let wal: WAL
    private(set) var identity: Identity?
    private(set) var hardState = HardState()
    /// The last snapshot the log was compacted to, if any.
    private(set) var snapshotMetadata: SnapshotMetadata?

    private init(wal: WAL) { self.wal = wal }

    /// Opens (or creates) the WAL in `directory` and replays it into memory.
    static func open(directory: String) throws -> DurableRaftLog {
        let (wal, records) = try WAL.open(directory: directory)
        let log = DurableRaftLog(wal: wal)
        try log.replay(records)
        return log
    }

    private func replay(_ records: [WALRecord]) throws {
        var entries: [Entry] = []
        for record in records {
            switch RecordKind(rawValue: record.type) {
            case .identity:
                identity = try Self.decodeIdentity(record.payload)
            case .entry:
                let entry = try RaftCodec.decodeEntry(record.payload)
                // A rewritten suffix (after a leader change) replaces what followed it.
                while let last = entries.last, last.index >= entry.index { entries.removeLast() }
                entries.append(entry)
            case .hardState:
                hardState = try RaftCodec.decodeHardState(record.payload)
            case .snapshot:
                let meta = try RaftCodec.decodeSnapshotMetadata(record.payload)
                entries.removeAll { $0.index <= meta.index }
                snapshotMetadata = meta
            case .installedSnapshot:
                entries.removeAll()
                snapshotMetadata = try RaftCodec.decodeSnapshotMetadata(record.payload)
            case nil:
                throw WALError.unknownRecordType(record.type)
            }
        }
        if let snapshotMetadata {
            hardState = Self.covering(hardState, snapshotMetadata)
            try storage.applySnapshot(Snapshot(data: [], metadata: snapshotMetadata))
        }
        try storage.append(entries)
        storage.setHardState(hardState)
    }

    /// A snapshot record and the hard state after it go out in one append, and a torn write can
    /// keep the first without the second (found by the chaos lost-unsynced mode: the member then
    /// refused to start, "hard state commit out of range"). A snapshot holds committed entries
    /// only and its term was reached, so the hard state is raised to cover it; a vote of an
    /// older term does not carry over. Nothing was acted on from the lost record: it was never
    /// synced.
    static func covering(_ state: HardState, _ snapshot: SnapshotMetadata) -> HardState {
        var state = state
        if state.term < snapshot.term { state = HardState(term: snapshot.term, vote: .none, commit: state.commit) }
        if state.commit < snapshot.index { state.commit = snapshot.index }
        return state
    }

    /// Writes the member's identity as the first record of a new log, durably.
    func writeIdentity(_ id: Identity) throws {
        precondition(identity == nil, "the identity is written once")
        try wal.append([WALRecord(type: RecordKind.identity.rawValue, payload: Self.encodeIdentity(id))])
        try wal.sync()
        identity = id
    }

    /// Appends a Ready's hard state and entries to the WAL (not yet durable: see `sync`).
    func append(hardState newState: HardState?, entries: [Entry]) throws {
        var records: [WALRecord] = entries.map { WALRecord(type: RecordKind.entry.rawValue, payload: RaftCodec.encode($0)) }
        if let newState, !newState.isEmpty {
            records.append(WALRecord(type: RecordKind.hardState.rawValue, payload: RaftCodec.encode(newState)))
        }
        if !records.isEmpty { try wal.append(records, firstIndex: entries.first?.index.rawValue) }
    }

    /// Records that the state machine durably holds everything up to `metadata.index`, then drops
    /// what no restart needs: WAL segments before it, and in-memory entries older than
    /// `catchUpEntries` before it (kept so a slightly slow follower needs no snapshot).
    ///
    /// The caller must have made the backend durable up to `metadata.index` first.
    func saveSnapshot(_ metadata: SnapshotMetadata, catchUpEntries: UInt64) throws {
        guard let identity else { preconditionFailure("a snapshot needs the member identity") }
        // Segments about to be removed held the identity and hard state: write them again.
        try wal.append([
            WALRecord(type: RecordKind.identity.rawValue, payload: Self.encodeIdentity(identity)),
            WALRecord(type: RecordKind.snapshot.rawValue, payload: RaftCodec.encode(metadata)),
            WALRecord(type: RecordKind.hardState.rawValue, payload: RaftCodec.encode(hardState)),
        ], firstIndex: metadata.index.rawValue)
        try wal.sync()
        _ = try storage.createSnapshot(index: metadata.index, confState: metadata.confState, data: [])
        let keepFrom = metadata.index.rawValue > catchUpEntries ? metadata.index.rawValue - catchUpEntries : 0
        if keepFrom > storage.firstIndex().rawValue { try storage.compact(to: LogIndex(keepFrom)) }
        _ = try wal.removeSegments(through: metadata.index.rawValue)
    }

    /// Appends the record of a snapshot received from the leader (before the Ready's entries
    /// and hard state, which `append` writes next): on replay the log restarts from it. Not
    /// durable until `sync`; then call `didInstall`.
    func appendInstalledSnapshot(_ metadata: SnapshotMetadata, hardState newState: HardState) throws {
        guard let identity else { preconditionFailure("a snapshot needs the member identity") }
        try wal.append([
            WALRecord(type: RecordKind.identity.rawValue, payload: Self.encodeIdentity(identity)),
            WALRecord(type: RecordKind.installedSnapshot.rawValue, payload: RaftCodec.encode(metadata)),
            WALRecord(type: RecordKind.hardState.rawValue, payload: RaftCodec.encode(newState)),
        ], firstIndex: metadata.index.rawValue)
    }

    /// After the installed snapshot's record is durable: the in-memory log restarts from it and
    /// WAL segments before it go.
    func didInstall(_ snapshot: Snapshot, hardState newState: HardState) throws {
        try storage.applySnapshot(Snapshot(data: [], metadata: snapshot.metadata))
        snapshotMetadata = snapshot.metadata
        storage.setHardState(newState)
        hardState = newState
        _ = try wal.removeSegments(through: snapshot.metadata.index.rawValue)
    }

    /// Makes every appended record durable. Safe to run on the threadpool while the loop thread
    /// does not append (the member never appends while a sync is in flight).
    func sync() throws { try wal.sync() }

    /// After the records are durable: expose them to Raft through the in-memory storage.
    func didPersist(hardState newState: HardState?, entries: [Entry]) throws {
        if !entries.isEmpty { try storage.append(entries) }
        if let newState, !newState.isEmpty {
            storage.setHardState(newState)
            hardState = newState
        }
    }

    func close() { wal.close() }


    private static func encodeIdentity(_ id: Identity) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [id.memberID.rawValue, id.clusterID] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        return bytes
    }

    private static func decodeIdentity(_ bytes: [UInt8]) throws -> Identity {
        guard bytes.count == 16 else { throw WALError.malformedRecord("identity record of \(bytes.count) bytes") }
        func word(_ at: Int) -> UInt64 { bytes[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        return Identity(memberID: NodeID(rawValue: word(0)), clusterID: word(8))
    }
}

extension DurableRaftLog {
    /// Starts a new log with one committed configuration entry per initial member, at term 1,
    /// as etcd's bootstrap (and its snapshot restore) does; applying them gives Raft its first
    /// configuration and the member its membership.
    func bootstrap(members: [Member]) throws {
        let entries = members.sorted { $0.id < $1.id }.enumerated().map { offset, m in
            Entry(term: 1, index: LogIndex(UInt64(offset + 1)), type: .confChange,
                  data: ConfChange(.addNode, m.id, context: MemberCodec.encode(m)).encoded())
        }
        let hardState = HardState(term: 1, vote: .none, commit: LogIndex(UInt64(entries.count)))
        try append(hardState: hardState, entries: entries)
        try sync()
        try didPersist(hardState: hardState, entries: entries)
    }
}
