// Runs the transcript command language against a Cluster and renders what happened.
//
//   add-nodes N [voters=1,2,3] [learners=4] [prevote] [checkquorum] [lease] [max-size=B]
//             [max-inflight=N] [max-uncommitted=B] [no-forwarding] [election=T] [canary=NAME]
//   campaign ID | propose ID DATA | propose-conf-change ID [explicit|implicit] v4 l5 r2 u3
//   tick ID [N] | tick-all [N] | process-ready ID... | deliver-msgs [ID...] [drop=ID,...]
//   stabilize | status ID | raft-log ID | raft-state | applied ID | compact ID
//   transfer-leadership ID to=ID | read-index ID CTX | report-unreachable ID PEER
//   report-snapshot ID PEER [failed] | cut A B | isolate ID | heal | restart ID

import Raft

final class TranscriptInterpreter {
    let cluster = Cluster()
    private var nextID: UInt64 = 1

    func run(_ line: String) -> [String] {
        let words = line.split(separator: " ").map(String.init)
        guard let cmd = words.first else { return ["empty command"] }
        let args = Array(words.dropFirst())
        do {
            let out = try execute(cmd, args)
            return out.isEmpty ? ["ok"] : out
        } catch {
            return ["error: \(error)"]
        }
    }

    private struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    private func id(_ s: String?) throws -> NodeID {
        guard let s, let v = UInt64(s) else { throw UsageError(description: "expected a node id, got \(s ?? "nothing")") }
        return NodeID(v)
    }

    private func idList(_ s: String) throws -> [NodeID] {
        try s.split(separator: ",").map { try id(String($0)) }
    }

    private func option(_ args: [String], _ key: String) -> String? {
        args.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    private func execute(_ cmd: String, _ args: [String]) throws -> [String] {
        switch cmd {
        case "add-nodes": return try addNodes(args)
        case "campaign":
            try cluster.node(try id(args.first)).campaign()
            return []
        case "propose":
            try cluster.node(try id(args.first)).propose(Array(args.dropFirst().joined(separator: " ").utf8))
            return []
        case "propose-conf-change":
            try cluster.node(try id(args.first)).proposeConfChange(try parseConfChange(Array(args.dropFirst())))
            return []
        case "tick":
            cluster.tick(try id(args.first), args.count > 1 ? Int(args[1]) ?? 1 : 1)
            return []
        case "tick-all":
            cluster.tickAll(args.first.flatMap { Int($0) } ?? 1)
            return []
        case "process-ready": return try args.flatMap { processReady(try id($0)) }
        case "deliver-msgs": return try deliver(args)
        case "stabilize": return stabilize()
        case "status": return status(try id(args.first))
        case "raft-log": return raftLog(try id(args.first))
        case "raft-state": return raftState()
        case "applied": return [cluster.appliedStrings(try id(args.first)).joined(separator: " ")]
        case "compact":
            try cluster.compact(try id(args.first))
            return raftLog(try id(args.first))
        case "transfer-leadership":
            guard let to = option(args, "to") else { throw UsageError(description: "missing to=") }
            cluster.node(try id(args.first)).transferLeadership(to: try id(to))
            return []
        case "read-index":
            cluster.node(try id(args.first)).readIndex(context: Array((args.dropFirst().first ?? "").utf8))
            return []
        case "report-unreachable":
            cluster.node(try id(args.first)).reportUnreachable(try id(args.dropFirst().first))
            return []
        case "report-snapshot":
            cluster.node(try id(args.first)).reportSnapshot(try id(args.dropFirst().first), failed: args.contains("failed"))
            return []
        case "cut":
            cluster.cut(try id(args.first), try id(args.dropFirst().first))
            return []
        case "isolate":
            cluster.isolate(try id(args.first))
            return []
        case "heal":
            cluster.heal()
            return []
        case "restart":
            try cluster.restart(try id(args.first))
            return []
        default:
            throw UsageError(description: "unknown command \(cmd)")
        }
    }

    private func addNodes(_ args: [String]) throws -> [String] {
        guard let n = args.first.flatMap({ UInt64($0) }) else { throw UsageError(description: "add-nodes N") }
        let newIDs = (nextID..<nextID + n).map { NodeID($0) }
        nextID += n
        let voters = try option(args, "voters").map(idList) ?? newIDs
        let learners = try option(args, "learners").map(idList) ?? []
        let cs = ConfState(voters: voters, learners: learners)
        var out: [String] = []
        for nid in newIDs {
            try cluster.add(nid, confState: cs) { cfg in
                cfg.preVote = args.contains("prevote")
                cfg.checkQuorum = args.contains("checkquorum") || args.contains("lease")
                if args.contains("lease") { cfg.readOnlyOption = .leaseBased }
                cfg.disableProposalForwarding = args.contains("no-forwarding")
                if let v = option(args, "max-size").flatMap({ UInt64($0) }) { cfg.maxSizePerMessage = v }
                if let v = option(args, "max-inflight").flatMap({ Int($0) }) { cfg.maxInflightMessages = v }
                if let v = option(args, "max-uncommitted").flatMap({ UInt64($0) }) { cfg.maxUncommittedEntriesBytes = v }
                if let v = option(args, "election").flatMap({ Int($0) }) { cfg.electionTicks = v }
                if let c = option(args, "canary") { cfg.canary = RaftCanary(rawValue: c) }
            }
            out.append("\(nid): \(Describe.confState(cs))")
        }
        return out
    }

    private func parseConfChange(_ args: [String]) throws -> ConfChange {
        var cc = ConfChange()
        for a in args {
            switch a {
            case "explicit": cc.transition = .jointExplicit
            case "implicit": cc.transition = .jointImplicit
            default:
                let kind = a.first
                let nid = try id(String(a.dropFirst()))
                let type: ConfChangeType
                switch kind {
                case "v": type = .addNode
                case "l": type = .addLearnerNode
                case "r": type = .removeNode
                case "u": type = .updateNode
                default: throw UsageError(description: "bad conf change \(a)")
                }
                cc.changes.append(ConfChangeSingle(type: type, nodeID: nid))
            }
        }
        return cc
    }

    private func processReady(_ nid: NodeID) -> [String] {
        guard let rd = cluster.processReady(nid) else { return ["> \(nid) no Ready"] }
        return ["> \(nid) handling Ready"] + Describe.ready(rd).map { "  " + $0 }
    }

    private func deliver(_ args: [String]) throws -> [String] {
        let targets = Set(try args.filter { !$0.contains("=") }.map { try id($0) })
        let drops = Set(try option(args, "drop").map(idList) ?? [])
        var out: [String] = []
        for nid in cluster.ids where targets.isEmpty || targets.contains(nid) {
            out += deliverTo(nid, drop: drops.contains(nid))
        }
        return out
    }

    /// Delivers every queued message addressed to `nid`, printing them (or dropping them).
    private func deliverTo(_ nid: NodeID, drop: Bool) -> [String] {
        let batch = cluster.network.filter { $0.to == nid }
        guard !batch.isEmpty else { return [] }
        cluster.network.removeAll { $0.to == nid }
        if drop { return batch.map { "dropped: " + Describe.message($0) } }
        var out = ["> \(nid) receiving messages"]
        for m in batch {
            if cluster.cutLinks.contains([m.from.rawValue, m.to.rawValue]) {
                out.append("  dropped: " + Describe.message(m))
                continue
            }
            out.append("  " + Describe.message(m))
            do {
                try cluster.node(nid).step(m)
            } catch {
                out.append("  error: \(error)")
            }
        }
        return out
    }

    private func stabilize() -> [String] {
        var out: [String] = []
        for _ in 0..<1_000 {
            var moved = false
            for nid in cluster.ids where cluster.node(nid).hasReady() {
                out += processReady(nid)
                moved = true
            }
            for nid in cluster.ids {
                let lines = deliverTo(nid, drop: false)
                if !lines.isEmpty { moved = true }
                out += lines
            }
            if !moved { return out }
        }
        return out + ["error: did not stabilize"]
    }

    private func status(_ nid: NodeID) -> [String] {
        let st = cluster.status(nid)
        var out = ["\(nid): \(Describe.role(st.softState.role)) Term:\(st.hardState.term) Lead:\(st.softState.leader)"
            + " Commit:\(st.hardState.commit) Applied:\(st.applied)"]
        out.append("config: \(Describe.confState(st.config))")
        for (pid, pr) in st.progress.sorted(by: { $0.key < $1.key }) {
            var line = "\(pid): \(pr.state) match=\(pr.match) next=\(pr.next)"
            if pr.isLearner { line += " learner" }
            if pr.pendingSnapshot != 0 { line += " pendingSnap=\(pr.pendingSnapshot)" }
            if pr.inflight != 0 { line += " inflight=\(pr.inflight)" }
            out.append(line)
        }
        if !st.leadTransferee.isNone { out.append("transferring to \(st.leadTransferee)") }
        return out
    }

    private func raftLog(_ nid: NodeID) -> [String] {
        let s = cluster.members[nid]!.storage
        var out: [String] = []
        let snap = try? s.snapshot()
        if let snap, !snap.isEmpty {
            out.append("snapshot Index:\(snap.metadata.index) Term:\(snap.metadata.term)")
        }
        let ents = cluster.log(nid)
        if ents.isEmpty && out.isEmpty { return ["log is empty: first index=\(s.firstIndex()), last index=\(s.lastIndex())"] }
        return out + ents.map(Describe.entry)
    }

    private func raftState() -> [String] {
        cluster.ids.map { nid in
            let st = cluster.status(nid)
            let kind = st.config.voters.contains(nid) || st.config.votersOutgoing.contains(nid) ? "Voter"
                : st.config.learners.contains(nid) ? "Learner" : "NonMember"
            return "\(nid): \(Describe.role(st.softState.role)) (\(kind)) Term:\(st.hardState.term) Lead:\(st.softState.leader)"
        }
    }
}
