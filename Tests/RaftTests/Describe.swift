// Human-readable, deterministic descriptions of Raft values for transcripts and failures.

import Raft

enum Describe {
    static func type(_ t: MessageType) -> String {
        switch t {
        case .append: "MsgApp"
        case .appendResponse: "MsgAppResp"
        case .vote: "MsgVote"
        case .voteResponse: "MsgVoteResp"
        case .preVote: "MsgPreVote"
        case .preVoteResponse: "MsgPreVoteResp"
        case .heartbeat: "MsgHeartbeat"
        case .heartbeatResponse: "MsgHeartbeatResp"
        case .snapshot: "MsgSnap"
        case .readIndex: "MsgReadIndex"
        case .readIndexResponse: "MsgReadIndexResp"
        case .timeoutNow: "MsgTimeoutNow"
        case .propose: "MsgProp"
        case .transferLeader: "MsgTransferLeader"
        }
    }

    static func ids(_ ids: [NodeID]) -> String { "[" + ids.map(\.description).joined(separator: " ") + "]" }

    static func confState(_ cs: ConfState) -> String {
        var s = "Voters:\(ids(cs.voters))"
        if !cs.votersOutgoing.isEmpty { s += " VotersOutgoing:\(ids(cs.votersOutgoing))" }
        if !cs.learners.isEmpty { s += " Learners:\(ids(cs.learners))" }
        if !cs.learnersNext.isEmpty { s += " LearnersNext:\(ids(cs.learnersNext))" }
        if cs.autoLeave { s += " AutoLeave" }
        return s
    }

    static func text(_ b: [UInt8]) -> String { "\"" + String(decoding: b, as: UTF8.self) + "\"" }

    static func confChange(_ cc: ConfChange) -> String {
        if cc.changes.isEmpty { return "leave-joint" }
        var parts: [String] = []
        switch cc.transition {
        case .auto: break
        case .jointImplicit: parts.append("implicit")
        case .jointExplicit: parts.append("explicit")
        }
        for c in cc.changes {
            switch c.type {
            case .addNode: parts.append("v\(c.nodeID)")
            case .addLearnerNode: parts.append("l\(c.nodeID)")
            case .removeNode: parts.append("r\(c.nodeID)")
            case .updateNode: parts.append("u\(c.nodeID)")
            }
        }
        return parts.joined(separator: " ")
    }

    static func entry(_ e: Entry) -> String {
        switch e.type {
        case .normal:
            return "\(e.term)/\(e.index) EntryNormal \(text(e.data))"
        case .confChange:
            let cc = (try? ConfChange(decoding: e.data)).map(confChange) ?? "<undecodable>"
            return "\(e.term)/\(e.index) EntryConfChange \(cc)"
        }
    }

    static func message(_ m: Message) -> String {
        var s = "\(m.from)->\(m.to) \(type(m.type)) Term:\(m.term) Log:\(m.logTerm)/\(m.index)"
        if m.reject { s += " Rejected (Hint: \(m.rejectHint))" }
        if m.commit != 0 { s += " Commit:\(m.commit)" }
        if !m.entries.isEmpty { s += " Entries:[" + m.entries.map(entry).joined(separator: ", ") + "]" }
        if let snap = m.snapshot {
            s += " Snapshot: Index:\(snap.metadata.index) Term:\(snap.metadata.term) \(confState(snap.metadata.confState))"
        }
        if !m.context.isEmpty { s += " Context:\(text(m.context))" }
        return s
    }

    static func role(_ r: RaftRole) -> String {
        switch r {
        case .follower: "StateFollower"
        case .preCandidate: "StatePreCandidate"
        case .candidate: "StateCandidate"
        case .leader: "StateLeader"
        }
    }

    static func ready(_ rd: Ready) -> [String] {
        var out = ["Ready MustSync=\(rd.mustSync):"]
        if let ss = rd.softState { out.append("Lead:\(ss.leader) State:\(role(ss.role))") }
        if let hs = rd.hardState { out.append("HardState Term:\(hs.term) Vote:\(hs.vote) Commit:\(hs.commit)") }
        if !rd.entries.isEmpty {
            out.append("Entries:")
            out += rd.entries.map(entry)
        }
        if let s = rd.snapshot {
            out.append("Snapshot Index:\(s.metadata.index) Term:\(s.metadata.term) \(confState(s.metadata.confState))")
        }
        if !rd.committedEntries.isEmpty {
            out.append("CommittedEntries:")
            out += rd.committedEntries.map(entry)
        }
        if !rd.messages.isEmpty {
            out.append("Messages:")
            out += rd.messages.map(message)
        }
        if !rd.readStates.isEmpty {
            out.append("ReadStates:")
            out += rd.readStates.map { "Index:\($0.index) Context:\(text($0.requestContext))" }
        }
        return out
    }
}
