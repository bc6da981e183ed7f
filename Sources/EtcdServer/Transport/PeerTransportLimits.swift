/// Bounds on what the peer transport holds for one peer, and how it retries. A slow or dead peer
/// costs at most `maxQueuedMessages` / `maxQueuedBytes` of queue plus `writeHighWaterBytes` in
/// libuv's write queue; beyond that, messages are dropped and Raft is told the peer is
/// unreachable (it then probes instead of streaming).
struct PeerTransportLimits {
    /// etcd's stream buffer holds 4096 messages per peer.
    var maxQueuedMessages = 4096
    var maxQueuedBytes = 64 << 20
    /// Above this many bytes written but not yet taken by the kernel, nothing more is written.
    var writeHighWaterBytes = 8 << 20
    /// Largest frame accepted from a peer (a Raft message holds at most ~1 MiB of entries plus
    /// one oversized entry of up to the request limit).
    var maxFrameBytes = 64 << 20
    /// Reconnect backoff: doubles from the first to the last value.
    var reconnectInitialMilliseconds: UInt64 = 100
    var reconnectMaxMilliseconds: UInt64 = 1000
    /// After a peer refused us (wrong cluster ID), try again this much later.
    var rejectedRetryMilliseconds: UInt64 = 5000
}
