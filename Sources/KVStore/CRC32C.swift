/// CRC-32 with the Castagnoli polynomial, the checksum etcd's Hash and HashKV use, so a HashKV
/// over the same revisions gives the same number as etcd.
struct CRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    private var state: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var c = state
        for b in bytes { c = CRC32C.table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        state = c
    }

    mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        var c = state
        for b in bytes { c = CRC32C.table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        state = c
    }

    var value: UInt32 { ~state }
}
