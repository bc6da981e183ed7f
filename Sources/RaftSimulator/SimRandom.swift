/// The simulator's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Every decision in a run is drawn from one `SimRandom` created from the run's seed, so a seed
/// reproduces a run exactly. Foundation's generators are never used (they are not seedable and
/// differ between platforms).
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        s0 = SimRandom.splitMix(&sm)
        s1 = SimRandom.splitMix(&sm)
        s2 = SimRandom.splitMix(&sm)
        s3 = SimRandom.splitMix(&sm)
    }

    /// SplitMix64: spreads a (possibly tiny) seed over the whole state so seeds 1, 2, 3 differ.
    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed for a sub-generator (for example a node's election jitter), derived without
    /// consuming the parent's stream in a data-dependent way.
    public static func derive(_ seed: UInt64, _ salt: UInt64) -> UInt64 {
        var x = seed ^ (salt &* 0xD6E8_FEB8_6659_FD93)
        return splitMix(&x)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform integer in `0..<n` (n > 0).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(0)")
        return Int(next() % UInt64(n))
    }

    /// Uniform integer in the closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p` (0...1).
    public mutating func chance(_ p: Double) -> Bool {
        if p <= 0 { return false }
        if p >= 1 { return true }
        return Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) < p
    }

    /// Uniform real in `0..<upper`.
    public mutating func real(below upper: Double) -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) * upper
    }

    public mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }
}
