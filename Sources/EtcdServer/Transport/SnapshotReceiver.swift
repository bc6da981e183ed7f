import EventLoop
import Foundation
import Raft

/// The receiving end of one snapshot transfer (see `SnapshotSender`): writes the backend file
/// to `<index>.snap.db.part`, checks its size and CRC-32C, makes it durable under its final
/// name `<index>.snap.db` (on the threadpool), and only then hands the Raft message and the
/// file to the member. The member's answer goes back to the sender as `snapshotResult`.
///
/// A transfer that fails or is cut off leaves no file behind but the `.part` it removes (and
/// `SnapshotFiles.recover` removes any a crash left), so the member's state never changes.
final class SnapshotReceiver {
    /// Takes a verified snapshot: the Raft message and the path of its backend file. Calls the
    /// reply with nil when the member accepted it, else the reason.
    typealias Handler = (_ message: Message, _ path: String, _ reply: @escaping (String?) -> Void) -> Void

    let peer: NodeID
    let message: Message
    private let connection: TCPConnection
    private let directory: String
    private let log: Logger
    private let expectedBytes: UInt64
    private let partPath: String
    private let finalPath: String
    private var fd: Int32
    private var received: UInt64 = 0
    private var crc = CRC32Castagnoli()
    private var done = false

    /// Larger backend files are refused (etcd's largest quota is 8 GiB).
    static let maxFileBytes: UInt64 = 16 << 30

    init(peer: NodeID, begin: PeerFrame.SnapshotBegin, localID: NodeID, connection: TCPConnection,
         directory: String, log: Logger) throws(SnapshotError) {
        guard let m = try? RaftCodec.decodeMessage(begin.message), m.type == .snapshot,
              m.to == localID, m.from == peer, let snapshot = m.snapshot, snapshot.metadata.index > 0
        else { throw .protocolError("the snapshot header does not hold a snapshot message from \(hex(peer)) to \(hex(localID))") }
        guard begin.fileBytes <= Self.maxFileBytes else {
            throw .protocolError("snapshot of \(begin.fileBytes) bytes exceeds the limit of \(Self.maxFileBytes)")
        }
        self.peer = peer
        message = m
        self.connection = connection
        self.directory = directory
        self.log = log
        expectedBytes = begin.fileBytes
        partPath = directory + "/" + SnapshotFiles.partName(index: snapshot.metadata.index)
        finalPath = directory + "/" + SnapshotFiles.receivedName(index: snapshot.metadata.index)
        fd = open(partPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .io("open \(partPath)", errno) }
        log.info("receiving database snapshot", [
            "remote-peer-id": .string(hex(peer)), "snapshot-index": .int(Int64(snapshot.metadata.index.rawValue)),
            "snapshot-size-bytes": .int(Int64(begin.fileBytes)),
        ])
    }

    /// Appends one chunk. Writes go to the page cache; the one fsync runs on the threadpool.
    func append(_ chunk: [UInt8]) throws(SnapshotError) {
        guard !done else { throw .protocolError("snapshot data after its end") }
        guard received + UInt64(chunk.count) <= expectedBytes else { throw .protocolError("more snapshot data than announced") }
        var offset = 0
        while offset < chunk.count {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io("write \(partPath)", errno) }
            offset += n
        }
        crc.update(chunk)
        received += UInt64(chunk.count)
    }

    /// The sender's last frame: verify, make durable, hand over to `handler`, answer the sender.
    func finish(crc32c: UInt32, loop: EventLoop, handler: @escaping Handler) throws(SnapshotError) {
        guard !done else { throw .protocolError("a second snapshot end") }
        guard received == expectedBytes else { throw .protocolError("snapshot ended after \(received) of \(expectedBytes) bytes") }
        guard crc32c == crc.value else { throw .protocolError("snapshot checksum mismatch") }
        done = true
        let (fd, part, final, dir) = (self.fd, partPath, finalPath, directory)
        self.fd = -1
        loop.submitWork({ () -> String? in
            defer { close(fd) }
            guard fsync(fd) == 0 else { return "fsync \(part): \(String(cString: strerror(errno)))" }
            guard rename(part, final) == 0 else { return "rename \(part): \(String(cString: strerror(errno)))" }
            do { try SnapshotFiles.syncDirectory(dir) } catch { return "\(error)" }
            return nil
        }, completion: { [self] failure in
            if let failure {
                unlink(part)
                return answer(failure)
            }
            log.info("received and saved database snapshot", [
                "remote-peer-id": .string(hex(peer)), "snapshot-index": .int(Int64(message.snapshot?.metadata.index.rawValue ?? 0)),
                "snapshot-size-bytes": .int(Int64(received)),
            ])
            guard !connection.isClosed else { return }  // the sender gave up: Raft will send again
            handler(message, final) { [self] reason in answer(reason) }
        })
    }

    /// The transfer stopped before it was complete: drop what arrived.
    func abort() {
        guard !done else { return }
        done = true
        close(fd)
        fd = -1
        unlink(partPath)
    }

    private func answer(_ failure: String?) {
        if let failure { log.warn("refused a database snapshot", ["remote-peer-id": .string(hex(peer)), "error": .string(failure)]) }
        connection.write(PeerFrame.snapshotResult(failure ?? "").chunks)
        connection.closeAfterPendingWrites()
    }
}
