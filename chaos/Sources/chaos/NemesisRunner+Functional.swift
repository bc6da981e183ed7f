import ChaosCheckers
import Glibc

/// Peer-port faults in the manner of etcd's functional tester: a member's peer port stands for
/// every directed link from or to it, so faulting the ports of a set of members faults each
/// link that touches the set (between two members of the set as well).
extension NemesisRunner {
    func faultPeerPorts(of members: [Int], _ step: NemesisStep) -> String {
        let fault: LinkFault
        switch step.kind {
        case .blackholeQuorum, .blackholeAll:
            fault = LinkFault(blackhole: true)
        default:
            // etcd's RANDOM_DELAY: a seeded delay per step (50-400 ms), jitter a quarter of it.
            var rng = SeededGenerator(seed: step.pick)
            let delay = UInt64.random(in: 50...400, using: &rng)
            fault = LinkFault(delayMilliseconds: delay, jitterMilliseconds: delay / 4)
        }
        let links = (0..<n).flatMap { a in (0..<n).filter { $0 != a }.map { Link(from: a, to: $0) } }
            .filter { members.contains($0.from) || members.contains($0.to) }
        cluster.withProxy { proxy in for l in links { proxy.set(l, fault) } }
        return "peer ports of \(members.map { "m\($0 + 1)" }.joined(separator: ",")): \(fault.description)"
    }

    /// Cuts every link of `member` both ways, heals them (connections that lost bytes are
    /// reset), and again, each phase 150-500 ms (seeded), until the step's hold is over.
    func flapDuringHold(_ member: Int, _ step: NemesisStep) -> String {
        var rng = SeededGenerator(seed: step.pick).derived(0x464C50)
        let links = (0..<n).filter { $0 != member }.flatMap { [Link(from: member, to: $0), Link(from: $0, to: member)] }
        let end = step.atSeconds + step.holdSeconds
        var flaps = 0
        while clock.seconds < end - 0.3 {
            cluster.withProxy { proxy in for l in links { proxy.set(l, LinkFault(blackhole: true)) } }
            usleep(UInt32.random(in: 150_000...500_000, using: &rng))
            cluster.withProxy { proxy in for l in links { proxy.set(l, .none) } }
            flaps += 1
            usleep(UInt32.random(in: 150_000...500_000, using: &rng))
        }
        return "\(flaps) cut/heal cycles of every link of m\(member + 1)"
    }
}
