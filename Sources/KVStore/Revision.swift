import Foundation

/// An MVCC revision: `main` is bumped once per write transaction (put, delete-range, txn with
/// changes, lease revoke with keys); `sub` numbers the changes inside that transaction.
public struct Revision: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var main: Int64
    public var sub: Int64

    public init(main: Int64, sub: Int64 = 0) {
        self.main = main
        self.sub = sub
    }

    public static func < (a: Revision, b: Revision) -> Bool {
        a.main != b.main ? a.main < b.main : a.sub < b.sub
    }

    public var description: String { "\(main).\(sub)" }

    /// Byte length of an encoded revision without the tombstone mark.
    static let encodedCount = 17
    static let tombstoneMark: UInt8 = UInt8(ascii: "t")

    /// etcd's on-disk key format for the "key" bucket: big-endian main, '_', big-endian sub, and a
    /// trailing 't' for tombstones. Big-endian keeps LMDB's memcmp order equal to revision order.
    func encoded(tombstone: Bool = false) -> Data {
        var bytes = [UInt8](repeating: 0, count: Revision.encodedCount + (tombstone ? 1 : 0))
        Revision.putBigEndian(UInt64(bitPattern: main), into: &bytes, at: 0)
        bytes[8] = UInt8(ascii: "_")
        Revision.putBigEndian(UInt64(bitPattern: sub), into: &bytes, at: 9)
        if tombstone { bytes[17] = Revision.tombstoneMark }
        return Data(bytes)
    }

    /// Decodes a key of the "key" bucket; returns the revision and whether it marks a tombstone.
    static func decode(_ raw: UnsafeRawBufferPointer) -> (revision: Revision, tombstone: Bool) {
        precondition(raw.count == encodedCount || raw.count == encodedCount + 1, "bad revision key length \(raw.count)")
        let main = Int64(bitPattern: readBigEndian(raw, at: 0))
        let sub = Int64(bitPattern: readBigEndian(raw, at: 9))
        let tombstone = raw.count == encodedCount + 1 && raw[encodedCount] == tombstoneMark
        return (Revision(main: main, sub: sub), tombstone)
    }

    static func putBigEndian(_ v: UInt64, into bytes: inout [UInt8], at offset: Int) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64(i))) }
    }

    static func readBigEndian(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = (v << 8) | UInt64(raw[offset + i]) }
        return v
    }
}

/// A lease identifier (etcd's LeaseID, an int64; 0 means "no lease").
public struct LeaseID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static let none = LeaseID(0)
    public static func < (a: LeaseID, b: LeaseID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue, radix: 16) }
}

/// Big-endian 8-byte encoding used for meta values and lease keys.
enum BigEndianBytes {
    static func encode(_ v: UInt64) -> Data {
        var bytes = [UInt8](repeating: 0, count: 8)
        Revision.putBigEndian(v, into: &bytes, at: 0)
        return Data(bytes)
    }

    static func decode(_ data: Data) -> UInt64? {
        guard data.count == 8 else { return nil }
        return data.withUnsafeBytes { Revision.readBigEndian($0, at: 0) }
    }
}
