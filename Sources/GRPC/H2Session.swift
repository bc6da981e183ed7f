import CNghttp2
import EventLoop

/// What nghttp2 reported while reading or writing; delivered to the delegate only after
/// `mem_recv`/`mem_send` has returned (never from inside an nghttp2 callback).
enum H2Event {
    case headers(Int32, [(String, String)])
    case data(Int32, [UInt8])
    case endStream(Int32)
    case closed(Int32, UInt32)
    /// The stream's outbound queue drained below its low-water mark after a refused send.
    case writable(Int32)
    /// The peer acknowledged one of our PINGs.
    case pingAck
}

protocol H2SessionDelegate: AnyObject {
    func session(_ session: H2Session, handle event: H2Event)
    func sessionDidClose(_ session: H2Session)
}

/// One HTTP/2 connection (server or client side) driven by nghttp2 over a TCPConnection.
///
/// Rules (see foundation.md): nghttp2 callbacks only record events and copy bytes; the delegate
/// sees events after nghttp2 returned; frames are serialized in `flush()`, which runs once per
/// loop iteration from the check phase for every connection that has something to send, and
/// stops when libuv's write queue passes `writeCapBytes` (resumed by the connection's writable
/// callback).
final class H2Session {
    let connection: TCPConnection
    let loop: EventLoop
    private(set) var session: OpaquePointer!
    var delegate: H2SessionDelegate?
    private var events: [H2Event] = []
    private var headerBlocks: [Int32: [(String, String)]] = [:]
    private var outbound: [Int32: OutboundQueue] = [:]
    private var flushScheduled = false
    private var closeRequested = false
    private var readingPausedForBackpressure = false
    private var receiveFailed = false
    /// Streams to reset (NO_ERROR) once their END_STREAM frame is out: the server finished a
    /// call while the client was still sending, as grpc-go does.
    private var resetAfterEnd: Set<Int32> = []
    private var pendingResets: [Int32] = []
    private(set) var isClosed = false

    static let writeCapBytes = 1 << 20
    static let streamWindowBytes: Int32 = 1 << 20
    static let connectionWindowBytes: Int32 = 16 << 20
    static let maxHeadersPerBlock = 512

    init(connection: TCPConnection, isServer: Bool, maxConcurrentStreams: UInt32 = 1 << 16) throws(H2Error) {
        self.connection = connection
        self.loop = connection.loop
        var callbacks: OpaquePointer?
        H2Error.mustSucceed(nghttp2_session_callbacks_new(&callbacks), "nghttp2_session_callbacks_new")
        defer { nghttp2_session_callbacks_del(callbacks) }
        H2Session.install(callbacks)
        let userData = Unmanaged.passUnretained(self).toOpaque()
        var created: OpaquePointer?
        // grpc-go clients (etcdctl with --cluster) send `:authority` as a full URL, which
        // nghttp2's HTTP messaging checks reject; gRPC needs none of those checks, grpc-go's
        // own server makes none, so they are off.
        var option: OpaquePointer?
        H2Error.mustSucceed(nghttp2_option_new(&option), "nghttp2_option_new")
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_http_messaging(option, 1)
        // nghttp2's rapid-reset guard (1000 RST_STREAMs, then 33 a second) tears the connection
        // down with GOAWAY. gRPC clients reset every stream they cancel — etcd's KeepAliveOnce
        // does for each call — so a busy, honest client crosses it within seconds (etcd's
        // grpc-go server has no such limit). Handlers here are bounded and cheap; the guard
        // stays, only for floods far beyond any client's call rate.
        if isServer { nghttp2_option_set_stream_reset_rate_limit(option, 100_000, 50_000) }
        let status = isServer ? nghttp2_session_server_new2(&created, callbacks, userData, option)
                              : nghttp2_session_client_new2(&created, callbacks, userData, option)
        try H2Error.check(status, "nghttp2_session_new")
        session = created
        // The server's SETTINGS go out right away: grpc-go waits for them.
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: UInt32(H2Session.streamWindowBytes)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: 1 << 16),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                   value: maxConcurrentStreams),
        ]
        try H2Error.check(nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count),
                          "nghttp2_submit_settings")
        try H2Error.check(nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                                H2Session.connectionWindowBytes),
                          "nghttp2_session_set_local_window_size")
        connection.writeLowWaterMark = H2Session.writeCapBytes / 4
        connection.onRead = { [self] bytes in didReceive(bytes) }
        connection.onWritable = { [self] in didDrainWrites() }
        connection.onClose = { [self] _ in didClose() }
        scheduleFlush()
    }

    static func from(_ userData: UnsafeMutableRawPointer?) -> H2Session {
        Unmanaged<H2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    // MARK: input

    /// Bytes from the socket (also the initial bytes a port multiplexer already read).
    func didReceive(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed, !receiveFailed else { return }
        do {
            try receive(bytes)
        } catch {
            // Bad preface or a fatal protocol error: this connection only goes away.
            receiveFailed = true
            closeRequested = true
        }
        dispatchEvents()
        scheduleFlush()
    }

    private func dispatchEvents() {
        guard !events.isEmpty else { return }
        let batch = events
        events.removeAll(keepingCapacity: true)
        for event in batch {
            delegate?.session(self, handle: event)
        }
    }

    // MARK: output

    func scheduleFlush() {
        guard !flushScheduled, !isClosed else { return }
        flushScheduled = true
        loop.deferToIterationEnd { [self] in flush() }
    }

    private func flush() {
        flushScheduled = false
        guard !isClosed else { return }
        var output = [UInt8]()
        do {
            while connection.pendingWriteBytes + output.count < H2Session.writeCapBytes {
                let chunk = try nextOutput()
                if chunk.isEmpty { break }
                output.append(contentsOf: chunk)
            }
        } catch {
            closeRequested = true
        }
        if !output.isEmpty { connection.write(output) }
        submitPendingResets()
        if connection.pendingWriteBytes >= H2Session.writeCapBytes && !readingPausedForBackpressure {
            // The peer is not reading: stop reading its requests until it catches up.
            readingPausedForBackpressure = true
            connection.pauseReading()
        }
        dispatchEvents()
        let done = nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
        if receiveFailed {
            connection.close()  // garbage in: nothing worth waiting for a peer that may not read
        } else if closeRequested || done {
            connection.closeAfterPendingWrites()
        }
    }

    func resetAfterEndStream(_ streamID: Int32) {
        resetAfterEnd.insert(streamID)
    }

    private func submitPendingResets() {
        guard !pendingResets.isEmpty else { return }
        for streamID in pendingResets where nghttp2_session_find_stream(session, streamID) != nil {
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, NGHTTP2_NO_ERROR.rawValue)
        }
        pendingResets.removeAll()
        scheduleFlush()
    }

    private func didDrainWrites() {
        if readingPausedForBackpressure {
            readingPausedForBackpressure = false
            connection.startReading()
        }
        scheduleFlush()
    }

    // MARK: streams

    func openOutbound(_ streamID: Int32) {
        if outbound[streamID] == nil { outbound[streamID] = OutboundQueue() }
    }

    func outboundBacklog(_ streamID: Int32) -> (messages: Int, bytes: Int) {
        guard let queue = outbound[streamID] else { return (0, 0) }
        return (queue.queuedChunks, queue.queuedBytes)
    }

    func requestWritableNotification(_ streamID: Int32) {
        outbound[streamID]?.wantsWritable = true
    }

    func enqueue(_ streamID: Int32, _ bytes: [UInt8]) {
        guard let queue = outbound[streamID], !bytes.isEmpty else { return }
        queue.append(bytes)
        resume(streamID, queue)
    }

    /// Ends the outbound side: with trailers (server) or with END_STREAM on the last DATA (client).
    func finishOutbound(_ streamID: Int32, trailers: [(String, String)]?) {
        guard let queue = outbound[streamID] else { return }
        if let trailers { queue.trailers = trailers } else { queue.endStream = true }
        resume(streamID, queue)
    }

    private func resume(_ streamID: Int32, _ queue: OutboundQueue) {
        if queue.deferred {
            queue.deferred = false
            _ = nghttp2_session_resume_data(session, streamID)
        }
        scheduleFlush()
    }

    func resetStream(_ streamID: Int32, code: UInt32) {
        guard !isClosed else { return }
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, code)
        scheduleFlush()
    }

    /// GOAWAY, then close once everything queued is written.
    func goAwayAndClose() {
        guard !isClosed else { return }
        let lastStream = nghttp2_session_get_last_proc_stream_id(session)
        _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastStream, NGHTTP2_NO_ERROR.rawValue, nil, 0)
        closeRequested = true
        scheduleFlush()
    }

    /// A keepalive PING; the peer's ACK arrives as `.pingAck`.
    func sendPing() {
        guard !isClosed else { return }
        _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
        scheduleFlush()
    }

    func submitHeadersOnly(_ streamID: Int32, headers: [(String, String)]) {
        guard !isClosed else { return }
        do { try submitResponse(streamID: streamID, headers: headers, hasBody: false) } catch {
            resetStream(streamID, code: NGHTTP2_INTERNAL_ERROR.rawValue)
        }
        scheduleFlush()
    }

    /// The data provider's read callback (inside mem_send): copy queued bytes into the frame.
    func readOutbound(streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                      flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let queue = outbound[streamID] else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let written = queue.copy(into: UnsafeMutableRawPointer(buffer), length: length)
        if queue.isEmpty {
            if let trailers = queue.trailers {
                queue.trailers = nil
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                // nghttp2 allows submitting trailers from inside this callback.
                _ = HeaderBlock.withNameValues(trailers) { nva, count in
                    nghttp2_submit_trailer(session, streamID, nva, count)
                }
            } else if queue.endStream {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            } else if written == 0 {
                queue.deferred = true
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            }
        }
        if queue.wantsWritable && queue.isBelowLowWater {
            queue.wantsWritable = false
            events.append(.writable(streamID))
        }
        return written
    }

    // MARK: closing

    private func didClose() {
        guard !isClosed else { return }
        isClosed = true
        events.removeAll()
        outbound.removeAll()
        headerBlocks.removeAll()
        nghttp2_session_del(session)
        session = nil
        let delegate = self.delegate
        self.delegate = nil
        delegate?.sessionDidClose(self)
    }

    /// Closes the TCP connection now (its close callback tears the session down).
    func close() {
        connection.close()
    }

    // MARK: nghttp2 callbacks (record only)

    private static func install(_ callbacks: OpaquePointer?) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            H2Session.from(userData).headerBlocks[frame!.pointee.hd.stream_id] = []
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            let session = H2Session.from(userData)
            let streamID = frame!.pointee.hd.stream_id
            guard var block = session.headerBlocks[streamID] else { return 0 }
            guard block.count < H2Session.maxHeadersPerBlock else {
                return Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)  // resets this stream only
            }
            session.headerBlocks[streamID] = nil  // keep the array uniquely referenced while appending
            block.append((String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self),
                          String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)))
            session.headerBlocks[streamID] = block
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            H2Session.from(userData).recordFrame(frame!.pointee.hd)
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            H2Session.from(userData).events.append(.data(streamID, Array(UnsafeBufferPointer(start: data, count: length))))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            let session = H2Session.from(userData)
            let header = frame!.pointee.hd
            if header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
               session.resetAfterEnd.remove(header.stream_id) != nil {
                session.pendingResets.append(header.stream_id)  // submitted after mem_send returns
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            let session = H2Session.from(userData)
            session.outbound[streamID] = nil
            session.headerBlocks[streamID] = nil
            session.resetAfterEnd.remove(streamID)
            session.pendingResets.removeAll { $0 == streamID }  // both sides ended: nothing to reset
            session.events.append(.closed(streamID, errorCode))
            return 0
        }
    }

    private func recordFrame(_ header: nghttp2_frame_hd) {
        let streamID = header.stream_id
        let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(header.type) {
        case NGHTTP2_HEADERS.rawValue:
            if let block = headerBlocks.removeValue(forKey: streamID) { events.append(.headers(streamID, block)) }
            if endStream { events.append(.endStream(streamID)) }
        case NGHTTP2_DATA.rawValue:
            if endStream { events.append(.endStream(streamID)) }
        case NGHTTP2_PING.rawValue:
            if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { events.append(.pingAck) }
        default:
            break
        }
    }
}

/// A stream's outbound bytes (framed gRPC messages) waiting for the data provider.
final class OutboundQueue {
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var headOffset = 0
    private(set) var queuedBytes = 0
    var trailers: [(String, String)]?
    var endStream = false
    var deferred = false
    var wantsWritable = false

    static let lowWaterBytes = 256 * 1024
    static let lowWaterMessages = 256

    var isEmpty: Bool { head == chunks.count }
    var queuedChunks: Int { chunks.count - head }
    var isBelowLowWater: Bool { queuedBytes <= OutboundQueue.lowWaterBytes && queuedChunks <= OutboundQueue.lowWaterMessages }

    func append(_ bytes: [UInt8]) {
        chunks.append(bytes)
        queuedBytes += bytes.count
    }

    func copy(into buffer: UnsafeMutableRawPointer, length: Int) -> Int {
        var written = 0
        while written < length && head < chunks.count {
            let count = chunks[head].withUnsafeBytes { source -> Int in
                let count = min(source.count - headOffset, length - written)
                (buffer + written).copyMemory(from: source.baseAddress! + headOffset, byteCount: count)
                return count
            }
            written += count
            headOffset += count
            if headOffset == chunks[head].count {
                head += 1
                headOffset = 0
            }
        }
        queuedBytes -= written
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
        return written
    }
}
