import EventLoop

/// HTTP/1.1 server: keep-alive, pipelined requests answered in order (one at a time), chunked
/// request bodies, Content-Length and chunked responses.
public final class HTTPServer {
    let loop: EventLoop
    let maxBodyBytes: Int
    let handler: (HTTPRequest, HTTPResponder) -> Void
    private var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    private var listeners: [TCPListener] = []

    public init(loop: EventLoop, maxBodyBytes: Int = 4 << 20, handler: @escaping (HTTPRequest, HTTPResponder) -> Void) {
        self.loop = loop
        self.maxBodyBytes = maxBodyBytes
        self.handler = handler
    }

    /// Takes over an accepted connection; `initialBytes` were already read from it (port mux).
    public func serve(_ connection: TCPConnection, initialBytes: [UInt8]) {
        let served = HTTPServerConnection(server: self, connection: connection)
        connections[ObjectIdentifier(served)] = served
        served.start(initialBytes: initialBytes)
    }

    public func listen(host: String, port: Int) throws -> TCPListener {
        let listener = try TCPListener(loop: loop, host: host, port: port)
        // The listener keeps the server alive until shutdown() closes it.
        listener.onAccept = { [self] connection in serve(connection, initialBytes: []) }
        listeners.append(listener)
        return listener
    }

    func connectionDidClose(_ connection: HTTPServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    public var connectionCount: Int { connections.count }

    /// Stops listening and closes every connection.
    public func shutdown() {
        for listener in listeners { listener.close() }
        listeners.removeAll()
        for connection in connections.values { connection.close() }
    }
}

/// One HTTP/1.1 connection: parses requests, hands them to the handler one at a time.
final class HTTPServerConnection {
    private weak var server: HTTPServer?
    private let connection: TCPConnection
    private let parser: HTTPMessageParser
    private var unparsed: [UInt8] = []
    private var current: HTTPResponder?
    private var closing = false

    static let maxUnparsedBytes = 1 << 20

    init(server: HTTPServer, connection: TCPConnection) {
        self.server = server
        self.connection = connection
        parser = HTTPMessageParser(response: false, maxBodyBytes: server.maxBodyBytes)
        // curl sends "Expect: 100-continue" before bodies over 1 KiB and waits for this line.
        parser.onExpectContinue = { [unowned connection] in
            connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
    }

    func start(initialBytes: [UInt8]) {
        connection.onRead = { [self] bytes in
            unparsed.append(contentsOf: bytes)
            process()
        }
        connection.onClose = { [self] _ in didClose() }
        connection.onWritable = { [self] in current?.connectionWritable() }
        unparsed = initialBytes
        process()
        if !connection.isClosed { connection.startReading() }
    }

    /// Parses buffered input until a request is complete, then dispatches it and waits for its
    /// response before parsing the next one.
    private func process() {
        while current == nil, !closing, !unparsed.isEmpty {
            let consumed: Int
            do {
                consumed = try unparsed.withUnsafeBytes { bytes throws(HTTPError) in try parser.execute(bytes) }
            } catch {
                reject(error as? HTTPError ?? .parse("unknown", tooLarge: false))
                return
            }
            unparsed.removeFirst(consumed)
            guard let message = parser.completed else {
                if consumed == 0 { break }
                continue
            }
            parser.completed = nil
            dispatch(message)
        }
        if unparsed.count > HTTPServerConnection.maxUnparsedBytes { connection.pauseReading() }
    }

    private func dispatch(_ message: ParsedMessage) {
        guard let server else { close(); return }
        let (path, query) = HTTPServerConnection.splitTarget(message.url)
        let request = HTTPRequest(method: message.method, path: path, query: query,
                                  headers: message.headers, body: message.body)
        let responder = HTTPResponder(owner: self, connection: connection, keepAlive: message.keepAlive,
                                      isHead: message.method == "HEAD")
        current = responder
        server.handler(request, responder)
    }

    static func splitTarget(_ url: String) -> (String, String) {
        guard let mark = url.firstIndex(of: "?") else { return (url, "") }
        return (String(url[..<mark]), String(url[url.index(after: mark)...]))
    }

    private func reject(_ error: HTTPError) {
        closing = true
        var status = 400
        if case .parse(_, let tooLarge) = error, tooLarge { status = 413 }
        let body = Array("\(HTTPStatusText.reason(status))\n".utf8)
        let head = "HTTP/1.1 \(status) \(HTTPStatusText.reason(status))\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        connection.write([Array(head.utf8), body])
        connection.closeAfterPendingWrites()
    }

    func responseCompleted(keepAlive: Bool) {
        current = nil
        guard keepAlive else {
            closing = true
            connection.closeAfterPendingWrites()
            return
        }
        parser.resume()
        connection.startReading()
        // Pipelined requests already buffered are parsed after this handler returns.
        connection.loop.deferToIterationEnd { [weak self] in self?.process() }
    }

    func close() {
        closing = true
        connection.close()
    }

    private func didClose() {
        closing = true
        let responder = current
        current = nil
        responder?.connectionClosed()
        server?.connectionDidClose(self)
    }
}
