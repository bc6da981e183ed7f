import Raft

/// Runs seeds: the entry point shared by the `raft-sim` executable and the tests.
public enum SimRunner {
    /// The options a seed runs with. `focused` tilts a canary run towards the faults that
    /// expose it (used by the debug-build tests to stay cheap).
    public static func options(
        seed: UInt64, canary: SimCanary? = nil, nodes: Int? = nil, focused: Bool = false, checkDurability: Bool = true
    ) -> SimOptions {
        var o = SimOptions.swarm(seed: seed, canary: canary, nodes: nodes)
        o.checkDurability = checkDurability
        if focused, let c = canary {
            var rng = SimRandom(seed: SimRandom.derive(seed, 0x464F_4355_53))
            o.focus(on: c, rng: &rng)
            if let n = nodes {
                o.nodes = n
                o.maxNodeID = n + 3
            }
        }
        return o
    }

    public static func run(
        seed: UInt64, canary: SimCanary? = nil, nodes: Int? = nil, focused: Bool = false, keepTrace: Bool = false,
        checkDurability: Bool = true
    ) -> SimResult {
        let o = options(seed: seed, canary: canary, nodes: nodes, focused: focused, checkDurability: checkDurability)
        return Simulation(seed: seed, options: o, keepTrace: keepTrace).run()
    }

    /// The first seed in `seeds` whose run violates a safety property (the canary is caught),
    /// with how many seeds ran.
    public static func hunt(
        canary: SimCanary, seeds: ClosedRange<UInt64>, nodes: Int? = nil, focused: Bool = false,
        checkDurability: Bool = true
    ) -> (tried: Int, caught: SimResult?) {
        var tried = 0
        for seed in seeds {
            tried += 1
            let r = run(seed: seed, canary: canary, nodes: nodes, focused: focused, checkDurability: checkDurability)
            if r.safetyViolated { return (tried, r) }
        }
        return (tried, nil)
    }
}
