import EventLoop
import Foundation
import Raft
import TLS

/// Sends one Raft snapshot message and the backend file that goes with it to one peer, on a
/// connection of its own: hello, `snapshotBegin`, the file in chunks, `snapshotEnd` with the
/// CRC-32C of the file; then it waits for the peer's `snapshotResult`.
///
/// Memory stays bounded: one chunk is read (on the threadpool) only while the socket has less
/// than `writeHighWaterBytes` queued. A transfer that makes no progress for `idleTimeout` fails.
/// `onFinish` runs exactly once, with nil on success or the reason of the failure.
final class SnapshotSender {
    let peerID: NodeID
    let index: LogIndex
    private let message: [UInt8]
    private let file: FileHandle
    private let fileBytes: UInt64
    private let address: PeerAddress
    private let localID: NodeID
    private let clusterID: UInt64
    private let loop: EventLoop
    private let log: Logger
    private let limits: PeerTransportLimits
    /// For an https peer URL.
    private let tls: TLSContext?
    private var connection: TCPConnection?
    private var crc = CRC32Castagnoli()
    private var sentBytes: UInt64 = 0
    private var reading = false
    private var sentEnd = false
    private var finished = false
    private var lastProgress: UInt64 = 0
    private var watchdog: LoopTimer?
    private var decoder = FrameDecoder(maxFrameBytes: 64 * 1024)

    var onFinish: ((SnapshotSender, String?) -> Void)?

    static let chunkBytes = 256 * 1024
    static let idleTimeoutMilliseconds: UInt64 = 30_000

    init(message m: Message, filePath: String, address: PeerAddress, localID: NodeID, clusterID: UInt64,
         loop: EventLoop, log: Logger, limits: PeerTransportLimits, tls: TLSContext?) throws {
        precondition(m.type == .snapshot, "only snapshot messages travel with a backend file")
        peerID = m.to
        index = m.snapshot?.metadata.index ?? 0
        message = RaftCodec.encode(m)
        file = try FileHandle(forReadingFrom: URL(fileURLWithPath: filePath))
        fileBytes = try file.seekToEnd()
        try file.seek(toOffset: 0)
        self.address = address
        self.localID = localID
        self.clusterID = clusterID
        self.loop = loop
        self.log = log
        self.tls = tls
        self.limits = limits
    }

    func start() {
        lastProgress = loop.nowMilliseconds
        watchdog = loop.scheduleRepeating(everyMilliseconds: 1000) { [weak self] in
            guard let self, loop.nowMilliseconds - lastProgress > Self.idleTimeoutMilliseconds else { return }
            finish("no progress for \(Self.idleTimeoutMilliseconds / 1000) s")
        }
        address.dial(loop: loop, tls: tls) { [weak self] result in
            guard let self, !finished else {
                if case .success(let c) = result { c.close() }
                return
            }
            switch result {
            case .success(let c): connected(c)
            case .failure(let error): finish("cannot connect to \(address): \(error)")
            }
        }
    }

    /// Abandons the transfer (the member is stopping, or the peer was removed).
    func cancel() { finish("canceled") }

    private func connected(_ c: TCPConnection) {
        connection = c
        c.onRead = { [weak self] bytes in self?.received(bytes) }
        c.onWritable = { [weak self] in self?.pump() }
        c.onClose = { [weak self] error in
            self?.finish("connection closed before the peer answered" + (error.map { ": \($0)" } ?? ""))
        }
        c.writeLowWaterMark = limits.writeHighWaterBytes / 2
        c.startReading()
        c.write(PeerFrame.hello(.init(clusterID: clusterID, from: localID, to: peerID)).chunks)
        c.write(PeerFrame.snapshotBegin(.init(fileBytes: fileBytes, message: message)).chunks)
        pump()
    }

    /// Reads the next chunk on the threadpool unless the socket is full or a read is running.
    private func pump() {
        guard !finished, !reading, !sentEnd, let c = connection, c.pendingWriteBytes < limits.writeHighWaterBytes else { return }
        lastProgress = loop.nowMilliseconds
        if sentBytes == fileBytes {
            sentEnd = true
            c.write(PeerFrame.snapshotEnd(crc32c: crc.value).chunks)
            return
        }
        reading = true
        let box = UncheckedBox(file)
        let want = Int(min(UInt64(Self.chunkBytes), fileBytes - sentBytes))
        loop.submitWork({ () -> [UInt8]? in
            (try? box.value.read(upToCount: want)).map { [UInt8]($0) }
        }, completion: { [weak self] chunk in
            guard let self else { return }
            reading = false
            guard !finished else { try? file.close(); return }
            guard let chunk, !chunk.isEmpty else { return finish("the snapshot file ended early") }
            crc.update(chunk)
            sentBytes += UInt64(chunk.count)
            connection?.write(PeerFrame.snapshotChunk(chunk).chunks)
            pump()
        })
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        decoder.append(bytes)
        switch try? decoder.next() {
        case .snapshotResult(let reason)?: finish(reason.isEmpty ? nil : "the peer refused the snapshot: \(reason)")
        case .reject(let reason)?: finish("the peer rejected the connection: \(reason)")
        case nil: return
        default: finish("unexpected answer from the peer")
        }
    }

    private func finish(_ failure: String?) {
        guard !finished else { return }
        finished = true
        watchdog?.cancel()
        watchdog = nil
        connection?.onClose = nil
        connection?.close()
        connection = nil
        // A read still running on the threadpool uses the handle: its completion closes it.
        if !reading { try? file.close() }
        let callback = onFinish
        onFinish = nil
        callback?(self, failure)
    }
}
