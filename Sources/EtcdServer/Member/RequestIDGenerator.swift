/// Unique IDs for proposals, in etcd's layout: the low 16 bits of the member ID on top (so two
/// members never collide), then a counter started from the wall clock at boot (so a restarted
/// member does not reuse the IDs of its previous life).
struct RequestIDGenerator {
    private let prefix: UInt64
    private var suffix: UInt64

    init(memberID: UInt64, bootMilliseconds: UInt64) {
        prefix = (memberID & 0xFFFF) << 48
        suffix = (bootMilliseconds & 0xFF_FFFF_FFFF) << 8
    }

    mutating func next() -> UInt64 {
        suffix = (suffix + 1) & 0xFFFF_FFFF_FFFF
        return prefix | suffix
    }
}
