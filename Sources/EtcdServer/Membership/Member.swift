import Raft

/// A member of the cluster as etcd describes it: identity, name and the URLs it serves.
public struct Member: Sendable, Equatable {
    public var id: NodeID
    public var name: String
    public var peerURLs: [String]
    public var clientURLs: [String]
    public var isLearner: Bool = false

    /// etcd's member ID: the first 8 bytes (big-endian) of SHA-1 over the sorted peer URLs
    /// joined together, followed by the cluster token.
    public static func computeID(peerURLs: [String], clusterToken: String) -> NodeID {
        let bytes = Array((peerURLs.sorted().joined() + clusterToken).utf8)
        return NodeID(rawValue: bigEndianPrefix(SHA1.hash(bytes)))
    }

    /// etcd's cluster ID: SHA-1 over the sorted member IDs, each as 8 big-endian bytes.
    public static func computeClusterID(memberIDs: [NodeID]) -> UInt64 {
        var bytes: [UInt8] = []
        for id in memberIDs.map(\.rawValue).sorted() {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: id >> UInt64(shift))) }
        }
        return bigEndianPrefix(SHA1.hash(bytes))
    }

    private static func bigEndianPrefix(_ digest: [UInt8]) -> UInt64 {
        digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
