// Follower and candidate behaviour.

extension Raft {
    func stepFollower(_ m: Message) throws {
        switch m.type {
        case .propose:
            guard !lead.isNone, !config.disableProposalForwarding else { throw RaftError.proposalDropped }
            var fwd = m
            fwd.to = lead
            send(fwd)
        case .append:
            electionElapsed = 0
            lead = m.from
            handleAppend(m)
        case .heartbeat:
            electionElapsed = 0
            lead = m.from
            handleHeartbeat(m)
        case .snapshot:
            electionElapsed = 0
            lead = m.from
            handleSnapshot(m)
        case .transferLeader:
            guard !lead.isNone else { return }
            var fwd = m
            fwd.to = lead
            send(fwd)
        case .timeoutNow:
            // The leader asks us to take over: campaign at once, skipping pre-vote, and tell
            // voters to disregard their lease.
            hup(transfer: true)
        case .readIndex:
            guard !lead.isNone else { return }
            var fwd = m
            fwd.to = lead
            send(fwd)
        case .readIndexResponse:
            readStates.append(ReadState(index: m.index, requestContext: m.context))
        default:
            break
        }
    }

    func stepCandidate(_ m: Message) throws {
        let myResponse: MessageType = role == .preCandidate ? .preVoteResponse : .voteResponse
        switch m.type {
        case .propose:
            throw RaftError.proposalDropped
        case .append:
            // Someone won this term: follow it.
            becomeFollower(term: m.term, lead: m.from)
            handleAppend(m)
        case .heartbeat:
            becomeFollower(term: m.term, lead: m.from)
            handleHeartbeat(m)
        case .snapshot:
            becomeFollower(term: m.term, lead: m.from)
            handleSnapshot(m)
        case myResponse:
            switch poll(m.from, type: m.type, granted: !m.reject) {
            case .won:
                if role == .preCandidate {
                    campaign(pre: false, transfer: false)
                } else {
                    becomeLeader()
                    bcastAppend()
                }
            case .lost:
                becomeFollower(term: term, lead: .none)
            case .pending:
                break
            }
        default:
            // timeoutNow, readIndex, transferLeader: no leader to act or forward.
            break
        }
    }
}
