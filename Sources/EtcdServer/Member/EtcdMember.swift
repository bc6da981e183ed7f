import EtcdAPI
import EventLoop
import Foundation
import KVStore
import Raft

/// One etcd member: the Raft node, its durable log, and the MVCC store it applies to, all driven
/// by the process's single libuv loop. Services call `propose` for writes and `linearizableRead`
/// before reads; everything here runs on the loop thread.
public final class EtcdMember {
    public let options: MemberOptions
    public let loop: EventLoop
    /// Time for Raft ticks, leases and auto-compaction (see MemberClock.swift).
    let clock: MemberClock
    let log: Logger
    /// Replaced (same watch hub) when a snapshot from the leader is installed.
    public internal(set) var store: KVStore
    let raftLog: DurableRaftLog
    let node: RawNode
    public let memberID: NodeID
    public let clusterID: UInt64
    /// The applied membership, kept in the backend (see EtcdMember+Membership.swift).
    let membership: MembershipStore
    public var members: [NodeID: Member] { membership.members }
    /// Configuration changes proposed here, waiting to be applied.
    var confChangeWaiters = ProposalTracker(limit: 1000)
    /// Entries up to here were applied to the backend before this start: their membership
    /// changes are in it already.
    var membershipReplayBoundary: LogIndex = 0
    var removalScheduled = false
    /// Called once this member, removed from the cluster, has stopped taking part.
    public var onRemoved: (() -> Void)?
    /// The peers to dial at start, before the membership is applied from the log.
    private var startPeers: [Member] = []
    /// The cluster version the leader recorded ("3.4.0"), nil until then.
    public private(set) var clusterVersion: String?

    /// Leader and term as of the last Ready.
    public private(set) var leader: NodeID = .none
    public private(set) var term: Term = 0
    public internal(set) var appliedIndex: LogIndex = 0
    public internal(set) var commitIndex: LogIndex = 0
    var confState = ConfState()
    var snapshotIndex: LogIndex = 0
    var backendCommittedIndex: LogIndex = 0
    public var lastIndex: LogIndex { raftLog.storage.lastIndex() }
    public var isLeader: Bool { leader == memberID }
    public var pendingProposals: Int { proposals.count }

    private var proposals: ProposalTracker
    private var reads = ReadIndexQueue()
    var requestIDs: RequestIDGenerator
    private var readyInFlight = false
    private var soloCampaignDone = false
    private var published = false
    private var revokingLeases: Set<Int64> = []
    private var autoCompactor: AutoCompactor
    var metrics = MemberMetrics()
    private var timers: [LoopTimer] = []
    private(set) var stopped = false
    var isStopped: Bool { stopped }
    /// Raft messages to and from the other members.
    let transport: PeerTransport
    /// A gRPC connection to the leader, for the lease requests only the leader can answer.
    let leaderClient: LeaderClient
    /// Backend copies being made for snapshots to peers (see EtcdMember+Snapshot).
    let outgoingSnapshots = OutgoingSnapshots()
    /// Called once the member is published and serving (the leader is known).
    public var onReady: (() -> Void)?

    public init(options: MemberOptions, loop: EventLoop, log: Logger) throws {
        self.options = options
        self.loop = loop
        clock = MemberClock(loop: loop)
        self.log = log
        try FileManager.default.createDirectory(atPath: options.snapDirectory, withIntermediateDirectories: true)
        raftLog = try DurableRaftLog.open(directory: options.resolvedWALDirectory)
        // An install of a leader's snapshot that a crash interrupted is finished before the
        // store opens (the WAL already names the snapshot).
        try SnapshotFiles.recover(directory: options.snapDirectory, walSnapshotIndex: raftLog.snapshotMetadata?.index, log: log)
        store = try Self.openStore(options)

        let initial = options.initialCluster.map { m in
            Member(id: Member.computeID(peerURLs: m.peerURLs, clusterToken: options.initialClusterToken),
                   name: m.name, peerURLs: m.peerURLs, clientURLs: [])
        }
        let localID = Member.computeID(peerURLs: options.advertisePeerURLs, clusterToken: options.initialClusterToken)
        let identity = DurableRaftLog.Identity(
            memberID: localID, clusterID: Member.computeClusterID(memberIDs: initial.map(\.id)))
        var startPeers = initial
        if let existing = raftLog.identity {
            memberID = existing.memberID
            clusterID = existing.clusterID
        } else if !options.initialClusterStateNew {
            let joined: Joined
            do { joined = try Self.joinExistingCluster(options, log: log) } catch {
                raftLog.close()
                store.close()
                throw error
            }
            try raftLog.writeIdentity(joined.identity)
            memberID = joined.identity.memberID
            clusterID = joined.identity.clusterID
            startPeers = joined.members
        } else {
            guard initial.contains(where: { $0.id == localID && $0.name == options.name }) else {
                throw MemberError.notInInitialCluster(name: options.name, peerURLs: options.advertisePeerURLs)
            }
            do { try Self.refuseIfAlreadyBootstrapped(options, localID: localID) } catch {
                raftLog.close()
                store.close()
                throw error
            }
            try raftLog.writeIdentity(identity)
            try raftLog.bootstrap(members: initial)
            memberID = identity.memberID
            clusterID = identity.clusterID
        }
        store.memberID = memberID.rawValue
        membership = MembershipStore(store: store)
        membershipReplayBoundary = LogIndex(store.consistentIndex)
        self.startPeers = startPeers
        transport = PeerTransport(loop: loop, localID: memberID, clusterID: clusterID, log: log)
        leaderClient = LeaderClient(loop: loop)
        do {
            try EtcdMember.applySecurity(options.security, transport: transport, leaderClient: leaderClient)
            try transport.listen(on: options.listenPeerURLs)
        } catch {
            raftLog.close()
            store.close()
            throw error
        }

        var config = RaftConfig(id: memberID)
        config.electionTicks = options.electionTicks
        config.heartbeatTicks = 1
        config.checkQuorum = true
        config.preVote = true
        config.maxSizePerMessage = 1 << 20
        config.maxInflightMessages = 512
        config.maxUncommittedEntriesBytes = 1 << 30
        config.randomSeed = localID.rawValue ^ UInt64(Date().timeIntervalSince1970 * 1000)
        config.applied = raftLog.snapshotMetadata?.index ?? 0
        node = try RawNode(config: config, storage: raftLog.storage)
        proposals = ProposalTracker(limit: 100_000)
        autoCompactor = AutoCompactor(mode: options.autoCompaction)
        requestIDs = RequestIDGenerator(memberID: memberID.rawValue, bootMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
        appliedIndex = config.applied
        snapshotIndex = config.applied
        confState = raftLog.snapshotMetadata?.confState ?? ConfState()
        term = raftLog.hardState.term
        commitIndex = raftLog.hardState.commit
    }

    static func minLeaseTTL(_ options: MemberOptions) -> Int64 {
        // etcd: 3/2 of the election timeout, rounded up to whole seconds.
        Int64((3 * options.electionTimeoutMilliseconds / 2 + 999) / 1000)
    }

    // MARK: Running

    public func start() {
        // Timer callbacks that give Raft work ask for a check phase, so that `pump` runs this
        // loop turn rather than after the next I/O event.
        timers += clock.startTicking(heartbeatMilliseconds: options.heartbeatIntervalMilliseconds,
                                     maxTicksAtOnce: options.electionTicks, log: log) { [unowned self] ticks in
            for _ in 0..<ticks { node.tick() }
            loop.requestCheckPhase()
        }
        timers.append(loop.scheduleRepeating(everyMilliseconds: 100) { [unowned self] in expireRequests() })
        // etcd retries a ReadIndex request it got no answer for after 500 ms (the request or
        // its answer may have been dropped on the way to or from the leader).
        timers.append(loop.scheduleRepeating(everyMilliseconds: Self.readIndexRetryMilliseconds) { [unowned self] in
            if reads.requeueStale() { loop.requestCheckPhase() }
        })
        timers.append(loop.scheduleRepeating(everyMilliseconds: Self.backendBatchIntervalMilliseconds) { [unowned self] in
            commitBackend()
        })
        timers.append(loop.scheduleRepeating(everyMilliseconds: 500) { [unowned self] in revokeExpiredLeases() })
        if options.leaseCheckpointIntervalMilliseconds != nil {
            timers.append(loop.scheduleRepeating(everyMilliseconds: 500) { [unowned self] in checkpointLeases() })
        }
        if let interval = autoCompactor.checkIntervalMilliseconds {
            timers.append(loop.scheduleRepeating(everyMilliseconds: interval) { [unowned self] in autoCompact() })
        }
        transport.onMessage = { [unowned self] in receive($0) }
        transport.onUnreachable = { [unowned self] in node.reportUnreachable($0) }
        transport.onSnapshotFailed = { [unowned self] in node.reportSnapshot($0, failed: true) }
        transport.snapshotDirectory = options.snapDirectory
        transport.onSnapshot = { [unowned self] in receiveSnapshot($0, path: $1, reply: $2) }
        installMembershipHooks()
        // The applied membership when there is one; the configured (or joined) one otherwise.
        let peers = membership.members.isEmpty ? startPeers : membership.sorted
        for m in peers where m.id != memberID { transport.setPeer(m.id, urls: m.peerURLs) }
        if membership.removed.contains(memberID) { removedFromCluster() }
        loop.onEveryIteration { [unowned self] in pump() }
        pump()
    }

    static let readIndexRetryMilliseconds: UInt64 = 500

    /// A message from a peer. Stepping may produce work; `pump` picks it up in this iteration's
    /// check phase.
    func receive(_ m: Message) {
        guard !stopped, !membership.removed.contains(m.from) else { return }
        do {
            try node.step(m)
        } catch {
            log.debug("ignored a message from a peer", ["from": .string(hex(m.from)), "error": .string("\(error)")])
        }
    }

    /// A member that is the only voter need not wait an election timeout: it campaigns once, as
    /// soon as its configuration (from the snapshot or the replayed log) says so.
    private func campaignIfAlone() {
        guard !soloCampaignDone, leader == .none, confState.voters == [memberID] else { return }
        soloCampaignDone = true
        try? node.campaign()
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        for t in timers { t.cancel() }
        timers.removeAll()
        transport.stop()
        leaderClient.close()
        for completion in proposals.takeAll() { completion(.failure(.stopped)) }
        failConfChanges(.stopped)
        commitBackend()
        outgoingSnapshots.waitForCopies()  // a copy reads the store being closed
        store.close()
        raftLog.close()
    }

    // MARK: Requests from the services

    /// Proposes `request` through Raft; `completion` runs with the result of applying it.
    public func propose(_ request: consuming Etcdserverpb_InternalRaftRequest, timeoutMilliseconds: UInt64? = nil,
                        completion: @escaping (Result<ApplyResult, EtcdError>) -> Void) {
        proposeInternal(consume request, timeoutMilliseconds: timeoutMilliseconds) { result in
            completion(result.flatMap { applied in
                guard case .store(let r) = applied else { return .failure(.internalError("unexpected membership result")) }
                return .success(r)
            })
        }
    }

    // `consuming` all the way from the services: setting the header below then mutates the only
    // reference instead of copying the message's ~30 inline sub-message slots.
    private func proposeInternal(_ request: consuming Etcdserverpb_InternalRaftRequest, timeoutMilliseconds: UInt64? = nil,
                                 completion: @escaping ProposalTracker.Completion) {
        guard !stopped else { return completion(.failure(.stopped)) }
        guard !proposals.isFull else { return completion(.failure(.tooManyRequests)) }
        let id = requestIDs.next()
        request.header.id = id
        let data: Data
        do { data = try request.serializedData() } catch { return completion(.failure(.requestTooLarge)) }
        proposeEncoded(id: id, [UInt8](data), timeoutMilliseconds: timeoutMilliseconds, completion: completion)
    }

    /// Proposes the serialized InternalRaftRequest `bytes`, whose header carries `id`.
    func proposeEncoded(id: UInt64, _ bytes: [UInt8], timeoutMilliseconds: UInt64?,
                        completion: @escaping ProposalTracker.Completion) {
        guard !stopped else { return completion(.failure(.stopped)) }
        guard !proposals.isFull else { return completion(.failure(.tooManyRequests)) }
        guard bytes.count <= options.maxRequestBytes else { return completion(.failure(.requestTooLarge)) }
        do {
            try node.propose(bytes)
        } catch {
            return completion(.failure(leader == .none ? .noLeader : .proposalDropped))
        }
        let timeout = min(timeoutMilliseconds ?? options.requestTimeoutMilliseconds, options.requestTimeoutMilliseconds)
        proposals.register(id: id, deadlineMilliseconds: loop.nowMilliseconds + timeout,
                           fingerprint: CRC32Castagnoli.checksum(bytes), completion: completion)
    }

    /// Runs `body` once every write committed before this call has been applied (ReadIndex).
    public func linearizableRead(timeoutMilliseconds: UInt64? = nil, _ body: @escaping (Result<Void, EtcdError>) -> Void) {
        guard !stopped else { return body(.failure(.stopped)) }
        let timeout = min(timeoutMilliseconds ?? options.requestTimeoutMilliseconds, options.requestTimeoutMilliseconds)
        reads.enqueue(deadlineMilliseconds: loop.nowMilliseconds + timeout) { result in
            body(result.mapError { _ in .requestTimedOut })
        }
    }

    /// The response header etcd puts on every response.
    public func header(revision: Int64? = nil) -> Etcdserverpb_ResponseHeader {
        var h = Etcdserverpb_ResponseHeader()
        h.clusterID = clusterID
        h.memberID = memberID.rawValue
        h.revision = revision ?? store.currentRevision
        h.raftTerm = term.rawValue
        return h
    }

    // MARK: The Ready loop

    /// Runs once per loop iteration: starts a ReadIndex round for waiting reads and handles one
    /// Ready. While a Ready's fsync runs on the threadpool no other Ready is taken, so proposals
    /// arriving meanwhile are persisted together by the next one (group commit).
    private func pump() {
        guard !stopped else { return }
        campaignIfAlone()
        // Watchers behind the store (history, or a stream that was full) catch up in bounded steps.
        _ = store.watchHub.syncUnsynced(maxEvents: 10_000)
        if let context = reads.startRound() { node.readIndex(context: context) }
        if readyInFlight { return applyDurableCommitted() }
        guard node.hasReady() else { return }
        let rd = node.ready()
        readyInFlight = true
        // Committed entries this member already holds durably need not wait for this Ready's
        // fsync (which is about other entries): they are applied while it runs, below. Only
        // the rest (entries of this very Ready, or after its snapshot) wait for it.
        let durable = node.persistedIndex
        let waiting = rd.committedEntries.firstIndex { $0.index > durable } ?? rd.committedEntries.endIndex
        if let hs = rd.hardState, !hs.isEmpty { term = hs.term }
        if let soft = rd.softState { leaderChanged(to: soft) }
        // A read point depends on the quorum's answers, not on this member's disk: reads whose
        // point is applied already are served without waiting for this Ready's fsync.
        for state in rd.readStates { reads.confirm(state) }
        if !rd.readStates.isEmpty { for read in reads.takeReady(appliedIndex: appliedIndex) { read(.success(())) } }
        // Thesis §10.2.1: a leader's appends and heartbeats may leave before its own fsync.
        var later = rd.messages
        if isLeader {
            send(rd.messages.filter { [.append, .heartbeat, .snapshot].contains($0.type) })
            later.removeAll { [.append, .heartbeat, .snapshot].contains($0.type) }
        }
        if Canary.ackBeforeFsync.isArmed, rd.snapshot == nil { return acknowledgeBeforeFsync(rd, messages: later) }
        if Canary.ackAfterWriteBeforeFsync.isArmed, rd.snapshot == nil { return acknowledgeAfterWrite(rd, messages: later) }
        CrashPoints.hit("raftBeforeSave")
        do {
            if let snapshot = rd.snapshot {
                try raftLog.appendInstalledSnapshot(snapshot.metadata, hardState: installedHardState(rd))
            }
            try raftLog.append(hardState: rd.hardState, entries: rd.entries)
        } catch {
            fatal("failed to append to the WAL", error)
        }
        guard rd.mustSync else { return finishReady(rd, messages: later) }
        defer { applyEarly(rd.committedEntries[..<waiting]) }
        let raftLog = self.raftLog
        let box = UncheckedBox(raftLog)
        loop.submitWork({ () -> (failure: String?, seconds: Double) in
            let start = MemberMetrics.now()
            do { try box.value.sync() } catch { return ("\(error)", 0) }
            return (nil, MemberMetrics.now() - start)
        }, completion: { [unowned self] result in
            if let failure = result.failure { fatal("failed to sync the WAL", failure) }
            metrics.walFsync.observe(result.seconds)
            CrashPoints.hit("raftAfterSave")
            finishReady(rd, messages: later, toApply: rd.committedEntries[waiting...])
        })
    }

    /// Applies committed entries that are durable here while a Ready's fsync runs: a write is
    /// answered once a quorum (counting this member only once its own fsync is done) holds it,
    /// not one fsync later. Order holds: Raft hands out each entry once, in index order, and
    /// none past a Ready's entries still waiting for their fsync (they are not durable yet).
    private func applyEarly(_ entries: ArraySlice<Entry>) {
        guard !stopped, let last = entries.last?.index else { return }
        apply(entries)
        node.appliedTo(last)
        for read in reads.takeReady(appliedIndex: appliedIndex) { read(.success(())) }
    }

    /// While a Ready's fsync runs: entries whose commit arrived meanwhile (a follower's ack).
    private func applyDurableCommitted() {
        let entries = node.takeDurableCommitted()
        applyEarly(entries[...])
    }

    func finishReady(_ rd: Ready, messages: [Message], toApply: ArraySlice<Entry>? = nil) {
        guard !stopped else { return }
        if let snapshot = rd.snapshot { installSnapshot(snapshot, hardState: installedHardState(rd)) }
        do {
            try raftLog.didPersist(hardState: rd.hardState, entries: rd.entries)
        } catch {
            fatal("failed to update the in-memory log", error)
        }
        if let hs = rd.hardState, !hs.isEmpty { term = hs.term; commitIndex = hs.commit }
        send(messages)
        apply(toApply ?? rd.committedEntries[...])
        // Not from `apply`: a snapshot syncs the WAL, which must not overlap a Ready's fsync.
        if appliedIndex.rawValue - snapshotIndex.rawValue >= options.snapshotCount { snapshot() }
        node.advance(rd)
        readyInFlight = false
        for read in reads.takeReady(appliedIndex: appliedIndex) { read(.success(())) }
        pump()
    }

    private func send(_ messages: [Message]) {
        if !messages.isEmpty { CrashPoints.hit("raftBeforeSend") }
        var outgoing: [Message] = []
        outgoing.reserveCapacity(messages.count)
        for m in messages where m.to != memberID {
            // A snapshot goes with the backend, on a path of its own (EtcdMember+Snapshot).
            if m.type == .snapshot { sendSnapshot(m) } else { outgoing.append(m) }
        }
        transport.send(outgoing)
    }

    private func leaderChanged(to soft: SoftState) {
        let previous = leader
        leader = soft.leader
        guard previous != soft.leader else { return }
        if soft.leader != .none { metrics.leaderChanges += 1 }
        if soft.leader == .none {
            log.info("raft.node lost leader", ["lost-leader-id": .string(hex(previous))])
        } else {
            log.info("raft.node elected leader", ["leader-id": .string(hex(soft.leader)), "term": .int(Int64(term.rawValue))])
        }
        if soft.leader == memberID {
            store.lessor.promote(nowMilliseconds: clock.nowMilliseconds)
        } else if !Canary.deposedLeaderRevokesLeases.isArmed {
            store.lessor.demote()
        }
        reads.requeueUnconfirmed()
        if !published, soft.leader != .none { publish() }
    }

    // MARK: Applying

    private func apply(_ entries: ArraySlice<Entry>) {
        guard !entries.isEmpty else { return }
        for entry in entries {
            switch entry.type {
            case .normal: applyNormal(entry)
            case .confChange: applyConfChangeEntry(entry)
            }
            appliedIndex = entry.index
        }
        if appliedIndex.rawValue - backendCommittedIndex.rawValue >= Self.backendBatchLimit { commitBackend() }
    }

    /// Like etcd's backend batch interval and limit: one backend commit per 100 ms or per
    /// 10,000 applied entries, whichever comes first, never one per request.
    static let backendBatchIntervalMilliseconds: UInt64 = 100
    static let backendBatchLimit: UInt64 = 10_000

    func commitBackend() {
        guard store.hasUncommittedWrites else { return }
        CrashPoints.hit("applyBeforeCommit")
        let start = MemberMetrics.now()
        do { try store.commitBatch() } catch { fatal("failed to commit the backend", error) }
        metrics.backendCommit.observe(MemberMetrics.now() - start)
        backendCommittedIndex = appliedIndex
        CrashPoints.hit("applyAfterCommit")
    }

    /// Every `snapshotCount` applied entries: make the backend durable, record the snapshot point
    /// in the WAL and compact the Raft log behind it (etcd keeps 5,000 entries for followers).
    private func snapshot() {
        do {
            let term = try raftLog.storage.term(at: appliedIndex)
            CrashPoints.hit("snapshotBeforeSave")
            commitBackend()
            try store.sync()
            try raftLog.saveSnapshot(SnapshotMetadata(confState: confState, index: appliedIndex, term: term),
                                     catchUpEntries: options.snapshotCatchUpEntries)
            CrashPoints.hit("snapshotAfterSave")
            log.info("saved snapshot", ["snapshot-index": .int(Int64(appliedIndex.rawValue))])
            snapshotIndex = appliedIndex
        } catch {
            fatal("failed to save a snapshot", error)
        }
    }

    private func applyNormal(_ entry: Entry) {
        guard !entry.data.isEmpty else {  // a new leader's empty entry
            return store.markApplied(index: entry.index.rawValue)
        }
        // The fast path skips the request header, which carries the user auth checks need.
        if !store.auth.isEnabled, let decoded = RaftEntryDecoder.decode(entry.data) { return applyDecoded(decoded, entry) }
        let request: Etcdserverpb_InternalRaftRequest
        do {
            request = try Etcdserverpb_InternalRaftRequest(serializedBytes: entry.data)
        } catch {
            log.warn("skipping an undecodable entry", ["index": .int(Int64(entry.index.rawValue))])
            return
        }
        if request.hasV2 {
            store.markApplied(index: entry.index.rawValue)
            applyV2Request(request.v2)
            proposals.take(id: request.header.id, fingerprint: CRC32Castagnoli.checksum(entry.data))?(.success(.membership))
            return
        }
        if request.hasLeaseRevoke { revokingLeases.remove(request.leaseRevoke.id) }
        let result = store.apply(request, index: entry.index.rawValue, nowMilliseconds: clock.nowMilliseconds)
        proposals.take(id: request.header.id, fingerprint: CRC32Castagnoli.checksum(entry.data))?(.success(.store(result)))
    }

    /// `applyNormal` for an entry `RaftEntryDecoder` decoded (no InternalRaftRequest built).
    private func applyDecoded(_ decoded: RaftEntryDecoder.Decoded, _ entry: Entry) {
        if case .leaseRevoke(let revoke) = decoded.operation { revokingLeases.remove(revoke.id) }
        let result = store.apply(decoded.operation, index: entry.index.rawValue, nowMilliseconds: clock.nowMilliseconds)
        proposals.take(id: decoded.requestID, fingerprint: CRC32Castagnoli.checksum(entry.data))?(.success(.store(result)))
    }

    // MARK: Publishing the member (etcd's "published local member to cluster")

    /// Once a leader exists, the member proposes its name and client URLs into the membership,
    /// as etcd does with a v2 request on `/0/members/<id>/attributes`.
    private func publish() {
        var v2 = Etcdserverpb_Request()
        v2.method = "PUT"
        v2.path = "/0/members/\(hex(memberID))/attributes"
        v2.val = MemberCodec.attributesJSON(name: options.name, clientURLs: options.advertiseClientURLs)
        var request = Etcdserverpb_InternalRaftRequest()
        request.v2 = v2
        published = true
        proposeInternal(request) { [unowned self] result in
            switch result {
            case .success:
                log.info("published local member to cluster through raft", [
                    "local-member-id": .string(hex(memberID)), "cluster-id": .string(String(clusterID, radix: 16)),
                ])
                onReady?()
                if isLeader { setClusterVersion() }
            case .failure(let error):
                log.warn("failed to publish local member to cluster through raft", ["error": .string(error.message)])
                published = false
                loop.schedule(afterMilliseconds: 200) { [weak self] in
                    guard let self, !self.published, self.leader != .none else { return }
                    self.publish()
                }
            }
        }
    }

    /// The leader records the cluster version once, as etcd does with `/0/version`.
    private func setClusterVersion() {
        guard clusterVersion == nil else { return }
        log.info("setting up initial cluster version", ["cluster-version": .string(EtcdVersion.clusterMajorMinor)])
        var v2 = Etcdserverpb_Request()
        v2.method = "PUT"
        v2.path = "/0/version"
        v2.val = EtcdVersion.cluster
        var request = Etcdserverpb_InternalRaftRequest()
        request.v2 = v2
        proposeInternal(request) { _ in }
    }

    private func applyV2Request(_ v2: Etcdserverpb_Request) {
        if v2.path == "/0/version" {
            let first = clusterVersion == nil
            clusterVersion = v2.val
            if first {
                log.info("set initial cluster version", ["cluster-version": .string(EtcdVersion.clusterMajorMinor)])
                log.info("enabled capabilities for version", ["cluster-version": .string(EtcdVersion.clusterMajorMinor)])
            }
            return
        }
        let parts = v2.path.split(separator: "/")
        guard parts.count == 4, parts[1] == "members", parts[3] == "attributes",
              let id = UInt64(parts[2], radix: 16), let attributes = MemberCodec.decodeAttributes(v2.val)
        else { return }
        membership.updateAttributes(NodeID(rawValue: id), name: attributes.name, clientURLs: attributes.clientURLs)
    }

    // MARK: Timers

    private func expireRequests() {
        let now = loop.nowMilliseconds
        for completion in proposals.takeExpired(nowMilliseconds: now) {
            metrics.proposalsFailed += 1
            completion(.failure(leader == .none ? .noLeader : .requestTimedOut))
        }
        for read in reads.takeExpired(nowMilliseconds: now) { read(.failure(.timedOut)) }
        expireConfChanges(nowMilliseconds: now)
    }

    /// Only the leader compacts automatically, through Raft like a client's compaction.
    private func autoCompact() {
        defer { loop.requestCheckPhase() }
        guard isLeader,
              let revision = autoCompactor.decide(nowMilliseconds: clock.nowMilliseconds, currentRevision: store.currentRevision)
        else { return }
        var request = Etcdserverpb_InternalRaftRequest()
        request.compaction.revision = revision
        propose(request) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(.failure(let error)), .failure(let error):
                autoCompactor.forget(revision)
                log.warn("failed auto compaction", ["revision": .int(revision), "error": .string(error.message)])
            case .success:
                log.info("completed auto compaction", ["revision": .int(revision)])
            }
        }
    }

    /// Only the leader expires leases, by proposing their revocation like any write.
    private func revokeExpiredLeases() {
        guard isLeader || Canary.deposedLeaderRevokesLeases.isArmed else { return }
        defer { loop.requestCheckPhase() }
        for id in store.lessor.expired(nowMilliseconds: clock.nowMilliseconds).map(\.rawValue) where !revokingLeases.contains(id) {
            revokingLeases.insert(id)
            var request = Etcdserverpb_InternalRaftRequest()
            request.leaseRevoke.id = id
            stampRoot(&request)
            propose(request) { [weak self] result in
                if case .failure = result { self?.revokingLeases.remove(id) }
            }
        }
    }

    func fatal(_ what: String, _ error: Any) -> Never {
        log.fatal(what, ["error": .string("\(error)")])
    }
}

func hex(_ id: NodeID) -> String { String(id.rawValue, radix: 16) }

/// Moves a non-Sendable reference to the threadpool when the caller guarantees the loop thread
/// does not touch it meanwhile.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

public enum MemberError: Error, CustomStringConvertible {
    case notInInitialCluster(name: String, peerURLs: [String])

    public var description: String {
        switch self {
        case .notInInitialCluster(let name, let urls):
            return "couldn't find local name \"\(name)\" in the initial cluster configuration (advertise peer URLs \(urls.joined(separator: ",")))"
        }
    }
}
