import EventLoop

/// Answers one request: either `respond` (Content-Length) or `startStreaming` + `sendChunk`* +
/// `finish` (chunked). Later calls after the response is complete are ignored.
public final class HTTPResponder {
    private weak var owner: HTTPServerConnection?
    private let connection: TCPConnection
    private let keepAlive: Bool
    private let isHead: Bool
    private var started = false
    private(set) var completed = false

    /// The connection closed before the response completed (e.g. a streaming client went away).
    public var onClose: (() -> Void)?
    /// For streaming responses: the connection's write queue drained after `sendChunk` returned false.
    public var onWritable: (() -> Void)?

    static let streamingWriteCapBytes = 1 << 20

    init(owner: HTTPServerConnection, connection: TCPConnection, keepAlive: Bool, isHead: Bool) {
        self.owner = owner
        self.connection = connection
        self.keepAlive = keepAlive
        self.isHead = isHead
    }

    public var isClosed: Bool { completed || connection.isClosed }

    public func respond(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        guard !started else { return }
        started = true
        var head = statusLine(status, headers)
        head += "Content-Length: \(body.count)\r\n\r\n"
        connection.write(isHead || body.isEmpty ? [Array(head.utf8)] : [Array(head.utf8), body])
        complete()
    }

    public func startStreaming(status: Int, headers: [(String, String)]) {
        guard !started else { return }
        started = true
        let head = statusLine(status, headers) + "Transfer-Encoding: chunked\r\n\r\n"
        connection.write(Array(head.utf8))
    }

    /// Queues one chunk. Returns false when the client is not keeping up (the chunk is still
    /// queued): stop producing until `onWritable`.
    @discardableResult
    public func sendChunk(_ bytes: [UInt8]) -> Bool {
        guard started, !completed, !connection.isClosed else { return false }
        guard !bytes.isEmpty else { return true }  // an empty chunk would end the body
        connection.write([Array((String(bytes.count, radix: 16) + "\r\n").utf8), bytes, HTTPResponder.crlf])
        return connection.pendingWriteBytes < HTTPResponder.streamingWriteCapBytes
    }

    public func finish() {
        guard started, !completed else { return }
        connection.write(Array("0\r\n\r\n".utf8))
        complete()
    }

    private static let crlf: [UInt8] = [13, 10]

    private func statusLine(_ status: Int, _ headers: [(String, String)]) -> String {
        var head = "HTTP/1.1 \(status) \(HTTPStatusText.reason(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !keepAlive { head += "Connection: close\r\n" }
        return head
    }

    private func complete() {
        completed = true
        onClose = nil
        onWritable = nil
        owner?.responseCompleted(keepAlive: keepAlive)
    }

    func connectionClosed() {
        guard !completed else { return }
        completed = true
        let callback = onClose
        onClose = nil
        onWritable = nil
        callback?()
    }

    func connectionWritable() { onWritable?() }
}
