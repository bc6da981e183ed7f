import Foundation

/// etcd's prefix rule (clientv3.GetPrefixRangeEnd): the range end that covers every key
/// starting with a prefix. Hand-written; `scripts/generate-protos.sh` replaces only the
/// generated `*.pb.swift` files beside it.
public enum KeyPrefix {
    /// The smallest key after every key starting with `prefix`; `[0]` (all keys) when the
    /// prefix is empty or all 0xFF.
    public static func rangeEnd(_ prefix: Data) -> Data {
        var end = [UInt8](prefix)
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return Data(end)
            }
            end.removeLast()
        }
        return Data([0])
    }
}
