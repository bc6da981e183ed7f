import CHTTPParser

/// One parsed HTTP/1.x message (request or response).
struct ParsedMessage {
    var method = ""
    var url = ""
    var status = 0
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var keepAlive = true
}

/// http-parser with Swift-side accumulation. The parser pauses after each complete message, so
/// the owner handles one message at a time (pipelined requests wait in the unparsed input).
/// All http-parser error codes become `HTTPError` here.
final class HTTPMessageParser {
    private let parser: UnsafeMutablePointer<http_parser>
    private var settings = http_parser_settings()
    private let maxBodyBytes: Int
    private var url: [UInt8] = []
    private var field: [UInt8] = []
    private var value: [UInt8] = []
    private var inValue = false
    private var headers: [(String, String)] = []
    private var headerBytes = 0
    private var body: [UInt8] = []
    private(set) var bodyTooLarge = false
    private(set) var headersTooLarge = false
    /// The message completed by the last `execute`, if any.
    var completed: ParsedMessage?
    /// Called (inside `execute`) when a request's headers carry `Expect: 100-continue`.
    var onExpectContinue: (() -> Void)?

    static let maxHeaderBytes = 64 * 1024

    init(response: Bool, maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        parser = .allocate(capacity: 1)
        parser.initialize(to: http_parser())
        http_parser_init(parser, response ? HTTP_RESPONSE : HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        installCallbacks()
    }

    deinit {
        parser.deinitialize(count: 1)
        parser.deallocate()
    }

    /// Parses as much as possible; returns the number of bytes consumed (less than given when
    /// the parser paused after a complete message). Throws on malformed input.
    func execute(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> Int {
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        let consumed = http_parser_execute(parser, &settings, base, bytes.count)
        let errno = http_errno(rawValue: parser.pointee.http_errno)
        if errno != HPE_OK && errno != HPE_PAUSED {
            throw HTTPError.parse(String(cString: http_errno_name(errno)), tooLarge: bodyTooLarge || headersTooLarge)
        }
        return consumed
    }

    /// Tells the parser the peer closed (ends responses delimited by EOF).
    func finishInput() throws(HTTPError) {
        _ = try execute(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    var isPaused: Bool { http_errno(rawValue: parser.pointee.http_errno) == HPE_PAUSED }

    func resume() { http_parser_pause(parser, 0) }

    private static func from(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPMessageParser {
        Unmanaged<HTTPMessageParser>.fromOpaque(parser!.pointee.data).takeUnretainedValue()
    }

    private func flushHeader() {
        if inValue {
            headers.append((String(decoding: field, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            field.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            inValue = false
        }
    }

    private func addHeaderBytes(_ count: Int) -> Int32 {
        headerBytes += count
        if headerBytes > HTTPMessageParser.maxHeaderBytes {
            headersTooLarge = true
            return 1
        }
        return 0
    }

    private func installCallbacks() {
        http_parser_settings_init(&settings)
        settings.on_message_begin = { parser in
            let me = HTTPMessageParser.from(parser)
            me.url.removeAll(keepingCapacity: true)
            me.headers.removeAll(keepingCapacity: true)
            me.body = []
            me.headerBytes = 0
            me.inValue = false
            return 0
        }
        settings.on_url = { parser, at, length in
            let me = HTTPMessageParser.from(parser)
            me.url.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
            return me.addHeaderBytes(length)
        }
        settings.on_header_field = { parser, at, length in
            let me = HTTPMessageParser.from(parser)
            me.flushHeader()
            me.field.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
            return me.addHeaderBytes(length)
        }
        settings.on_header_value = { parser, at, length in
            let me = HTTPMessageParser.from(parser)
            me.inValue = true
            me.value.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
            return me.addHeaderBytes(length)
        }
        settings.on_headers_complete = { parser in
            let me = HTTPMessageParser.from(parser)
            me.flushHeader()
            if me.headers.contains(where: { $0.0.lowercased() == "expect" && $0.1.lowercased() == "100-continue" }) {
                me.onExpectContinue?()
            }
            return 0
        }
        settings.on_body = { parser, at, length in
            let me = HTTPMessageParser.from(parser)
            if me.body.count + length > me.maxBodyBytes {
                me.bodyTooLarge = true
                return 1
            }
            me.body.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
            return 0
        }
        settings.on_message_complete = { parser in
            let me = HTTPMessageParser.from(parser)
            me.complete(parser!)
            http_parser_pause(parser, 1)
            return 0
        }
    }

    private func complete(_ parser: UnsafeMutablePointer<http_parser>) {
        var message = ParsedMessage()
        message.method = String(cString: http_method_str(http_method(rawValue: parser.pointee.method)))
        message.url = String(decoding: url, as: UTF8.self)
        message.status = Int(parser.pointee.status_code)
        message.headers = headers
        message.body = body
        message.keepAlive = http_should_keep_alive(parser) != 0
        body = []
        completed = message
    }
}

/// HTTP module errors.
public enum HTTPError: Error, CustomStringConvertible, Sendable {
    case parse(String, tooLarge: Bool)
    case connection(String)
    case closedBeforeResponse

    public var description: String {
        switch self {
        case .parse(let name, _): "malformed HTTP message: \(name)"
        case .connection(let message): message
        case .closedBeforeResponse: "connection closed before the response was complete"
        }
    }
}
