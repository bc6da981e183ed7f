// One batch of work the application must carry out for the core. Handle the fields in this
// order, then call `RawNode.advance(_:)` with the same Ready:
//
//   1. persist `snapshot` (if any), then append `entries`, then save `hardState`; fsync when
//      `mustSync` is true;
//   2. send `messages` (see below for which may go out before step 1 completes);
//   3. apply `snapshot` to the state machine, then `committedEntries` in order (for a
//      `.confChange` entry decode `ConfChange(decoding:)` and call `applyConfChange`);
//   4. serve `readStates` once applied ≥ their index;
//   5. `advance(rd)`.
//
// Sending before persisting: a leader counts its own log toward the commit index only after
// `advance` confirms the entries are durable, so while `softState`/status says leader, the
// `append`, `heartbeat` and `snapshot` messages of a Ready may be sent in parallel with the
// leader's own fsync (Raft thesis §10.2.1). Every other message (votes, vote and append
// responses) must wait until step 1 is durable.

public struct Ready: Sendable {
    /// Leader and role, present only when they changed since the last Ready. Nothing to persist.
    public var softState: SoftState?
    /// Term, vote and commit, present only when changed. Persist before sending `messages`.
    public var hardState: HardState?
    /// Answers to `readIndex` requests, in request order. Serve each read once the state
    /// machine has applied its index.
    public var readStates: [ReadState]
    /// Entries to append to stable storage (they may replace a conflicting suffix of the stored
    /// log). Persist before sending `messages`.
    public var entries: [Entry]
    /// A snapshot received from the leader. Persist it (replacing the log) before `entries`,
    /// and restore the state machine from it before applying `committedEntries`.
    public var snapshot: Snapshot?
    /// Entries committed by a quorum, in log order, to apply to the state machine after
    /// persisting the fields above.
    public var committedEntries: [Entry]
    /// Messages to deliver to peers (`to` says where), in any order and unreliably, after the
    /// persistence step except as the file comment allows for leaders.
    public var messages: [Message]
    /// True when the entries or the term/vote changed: the write must be fsynced. A change of
    /// the commit index alone can be written lazily.
    public var mustSync: Bool

    public init(softState: SoftState? = nil, hardState: HardState? = nil, readStates: [ReadState] = [],
                entries: [Entry] = [], snapshot: Snapshot? = nil, committedEntries: [Entry] = [],
                messages: [Message] = [], mustSync: Bool = false) {
        self.softState = softState
        self.hardState = hardState
        self.readStates = readStates
        self.entries = entries
        self.snapshot = snapshot
        self.committedEntries = committedEntries
        self.messages = messages
        self.mustSync = mustSync
    }
}
