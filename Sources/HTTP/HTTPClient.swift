import EventLoop
import TLS

public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A keep-alive HTTP/1.1 client connection. Requests are written at once (pipelined) and their
/// responses matched in order. Loop thread only.
public final class HTTPClient {
    private let connection: TCPConnection
    private let host: String
    private let parser = HTTPMessageParser(response: true, maxBodyBytes: 256 << 20)
    private var waiting: [(Result<HTTPClientResponse, HTTPError>) -> Void] = []
    private var unparsed: [UInt8] = []

    init(connection: TCPConnection, host: String) {
        self.connection = connection
        self.host = host
        connection.onRead = { [self] bytes in
            unparsed.append(contentsOf: bytes)
            parse()
        }
        connection.onClose = { [self] error in didClose(error) }
        connection.startReading()
    }

    /// Connects over TCP, or over TLS (handshake done, certificate checked) with a client context.
    public static func connect(loop: EventLoop, host: String, port: Int, tls: TLSContext? = nil,
                               completion: @escaping (Result<HTTPClient, HTTPError>) -> Void) {
        let opened = { (result: Result<TCPConnection, any Error>) in
            switch result {
            case .failure(let error): completion(.failure(.connection("\(error)")))
            case .success(let connection): completion(.success(HTTPClient(connection: connection, host: "\(host):\(port)")))
            }
        }
        if let tls {
            tls.connect(loop: loop, host: host, port: port) { opened($0.mapError { $0 as any Error }) }
        } else {
            TCPConnection.connect(loop: loop, host: host, port: port) { opened($0.mapError { $0 as any Error }) }
        }
    }

    /// One request on a fresh connection, closed afterwards.
    public static func request(loop: EventLoop, host: String, port: Int, method: String, path: String,
                               headers: [(String, String)] = [], body: [UInt8] = [],
                               completion: @escaping (Result<HTTPClientResponse, HTTPError>) -> Void) {
        connect(loop: loop, host: host, port: port) { result in
            switch result {
            case .failure(let error): completion(.failure(error))
            case .success(let client):
                client.request(method: method, path: path, headers: headers, body: body) { response in
                    client.close()
                    completion(response)
                }
            }
        }
    }

    public var isClosed: Bool { connection.isClosed }

    public func request(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
                        completion: @escaping (Result<HTTPClientResponse, HTTPError>) -> Void) {
        guard !connection.isClosed else {
            completion(.failure(.closedBeforeResponse))
            return
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        waiting.append(completion)
        connection.write(body.isEmpty ? [Array(head.utf8)] : [Array(head.utf8), body])
    }

    public func close() {
        connection.close()
    }

    private func parse() {
        while !unparsed.isEmpty {
            let consumed: Int
            do {
                consumed = try unparsed.withUnsafeBytes { bytes throws(HTTPError) in try parser.execute(bytes) }
            } catch {
                failAll(error as? HTTPError ?? .closedBeforeResponse)
                connection.close()
                return
            }
            unparsed.removeFirst(consumed)
            if let message = parser.completed {
                parser.completed = nil
                parser.resume()
                deliver(message)
            } else if consumed == 0 {
                return
            }
        }
    }

    private func deliver(_ message: ParsedMessage) {
        guard !waiting.isEmpty else { return }
        let completion = waiting.removeFirst()
        completion(.success(HTTPClientResponse(status: message.status, headers: message.headers, body: message.body)))
    }

    private func didClose(_ error: LoopError?) {
        // A response delimited by the end of the connection completes now.
        if (try? parser.finishInput()) != nil, let message = parser.completed {
            parser.completed = nil
            deliver(message)
        }
        failAll(error.map { .connection("\($0)") } ?? .closedBeforeResponse)
    }

    private func failAll(_ error: HTTPError) {
        let pending = waiting
        waiting.removeAll()
        for completion in pending { completion(.failure(error)) }
    }
}
