// Progress under load: a 3-node in-memory cluster commits 10,000 proposals. No timing is
// asserted; the rate is printed for the record.

import Foundation
import Raft
import Testing

@Suite("throughput")
struct ThroughputTests {
    @Test("a 3-node in-memory cluster commits 10,000 proposals")
    func tenThousand() throws {
        let c = try Cluster(voters: 3)
        try c.elect(1)
        let total = 10_000
        let batch = 100
        let start = ContinuousClock.now
        for b in 0..<(total / batch) {
            for i in 0..<batch { try c.node(1).propose(Array("p\(b * batch + i)".utf8)) }
            c.stabilize()
        }
        let elapsed = ContinuousClock.now - start
        for id in c.ids {
            #expect(c.members[id]!.applied.count == total)
        }
        #expect(c.appliedStrings(3).last == "p\(total - 1)")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("raft throughput: \(total) proposals in \(String(format: "%.3f", seconds)) s = \(Int(Double(total) / max(seconds, 1e-9))) proposals per second")
    }
}
