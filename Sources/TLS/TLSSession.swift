import CLibSSL
import EventLoop

/// TLS on one TCPConnection, driven entirely from the loop: ciphertext read from the socket is
/// pushed into a memory BIO, OpenSSL's output is pulled from another memory BIO and written to
/// the socket. The protocol above reads and writes plaintext through the same TCPConnection.
///
/// Plaintext written before the handshake completes is held and sent right after it. A failed
/// handshake (or a bad record later) sends OpenSSL's alert and closes this connection only.
final class TLSSession: ConnectionLayer {
    private let context: TLSContext
    private weak var connection: TCPConnection?
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    private(set) var handshakeDone = false
    private var failed = false
    private var heldPlaintext: [[UInt8]] = []
    private var heldBytes = 0
    private(set) var peerCommonName: String?
    private(set) var negotiatedProtocol: String?

    /// Client side: runs once, when the handshake succeeded (nil) or failed.
    var onHandshake: ((TLSError?) -> Void)?

    /// Plaintext a protocol may queue before the handshake ends (its first frames); more is a bug
    /// in the caller or a peer that never finishes, and fails the connection.
    static let maxHeldBytes = 4 << 20
    /// One TLS record's worth of plaintext per SSL_read.
    static let readChunkBytes = 16 * 1024

    init(context: TLSContext, connection: TCPConnection, serverName: String?) throws(TLSError) {
        guard let ssl = SSL_new(context.raw) else { throw TLSError.openSSL("cannot create a TLS session") }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.openSSL("cannot create memory BIOs")
        }
        SSL_set_bio(ssl, readBIO, writeBIO)  // the session owns both BIOs from here
        self.context = context
        self.connection = connection
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            try configureClient(serverName: serverName)
        }
    }

    deinit { SSL_free(ssl) }

    private func configureClient(serverName: String?) throws(TLSError) {
        if !context.alpnWire.isEmpty {
            let status = context.alpnWire.withUnsafeBufferPointer { SSL_set_alpn_protos(ssl, $0.baseAddress, UInt32($0.count)) }
            guard status == 0 else { throw TLSError.openSSL("cannot offer ALPN protocols") }  // 0 is success here
        }
        guard let name = serverName, !name.isEmpty else { return }
        if HostName.isIPAddress(name) {
            if context.verifiesServer, X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) != 1 {
                throw TLSError.openSSL("cannot verify the server address \(name)")
            }
        } else {
            keel_ssl_set_sni(ssl, name)
            if context.verifiesServer, X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), name, 0) != 1 {
                throw TLSError.openSSL("cannot verify the server name \(name)")
            }
        }
    }

    /// Client side: sends the ClientHello.
    func start() {
        advanceHandshake()
    }

    // MARK: ConnectionLayer

    func received(_ bytes: UnsafeRawBufferPointer) {
        guard !failed, let base = bytes.baseAddress, bytes.count > 0 else { return }
        // A memory BIO grows to take everything: the bytes are consumed right below.
        guard BIO_write(readBIO, base, Int32(bytes.count)) == Int32(bytes.count) else {
            return fail(TLSError.openSSL("tls: cannot buffer received bytes"))
        }
        if !handshakeDone {
            advanceHandshake()
            guard handshakeDone, !failed else { return }
        }
        readPlaintext()
    }

    func send(_ chunks: [[UInt8]]) {
        guard !failed else { return }
        guard handshakeDone else {
            for chunk in chunks where !chunk.isEmpty {
                heldPlaintext.append(chunk)
                heldBytes += chunk.count
            }
            if heldBytes > Self.maxHeldBytes { fail(TLSError("tls: too much data queued before the handshake completed")) }
            return
        }
        encrypt(chunks)
    }

    func closing() {
        guard handshakeDone, !failed else { return }
        SSL_shutdown(ssl)  // queues our close_notify; we do not wait for the peer's
        ERR_clear_error()
        flushOutput()
    }

    // MARK: handshake

    private func advanceHandshake() {
        let result = SSL_do_handshake(ssl)
        flushOutput()
        if result == 1 { return finishHandshake() }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
        fail(handshakeError(), duringHandshake: true)
    }

    /// The reason a handshake failed: certificate verification first (it is the usual cause),
    /// else OpenSSL's error queue.
    private func handshakeError() -> TLSError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            ERR_clear_error()
            return TLSError("tls: failed to verify certificate: " + String(cString: X509_verify_cert_error_string(verify)))
        }
        let reasons = TLSError.drainReasons()
        return TLSError("tls: handshake failed" + (reasons.isEmpty ? "" : ": " + reasons))
    }

    private func finishHandshake() {
        handshakeDone = true
        if let problem = PeerCertificate.check(ssl, context: context) { return fail(problem, duringHandshake: true) }
        peerCommonName = PeerCertificate.verifiedCommonName(ssl)
        negotiatedProtocol = selectedProtocol()
        let held = heldPlaintext
        heldPlaintext = []
        heldBytes = 0
        if !held.isEmpty { encrypt(held) }
        let callback = onHandshake
        onHandshake = nil
        callback?(nil)
    }

    private func selectedProtocol() -> String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    // MARK: data

    private func readPlaintext() {
        withUnsafeTemporaryAllocation(byteCount: Self.readChunkBytes, alignment: 16) { buffer in
            // Bounded by the ciphertext just buffered: every iteration consumes some of it.
            while !failed, let connection, !connection.isClosed {
                let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
                if count > 0 {
                    connection.deliver(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(count)]))
                    continue
                }
                let error = SSL_get_error(ssl, count)
                if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { break }
                if error == SSL_ERROR_ZERO_RETURN {
                    // The peer's close_notify: like end-of-file on a plain connection.
                    flushOutput()
                    connection.close()
                    return
                }
                let reasons = TLSError.drainReasons()
                return fail(TLSError("tls: " + (reasons.isEmpty ? "connection error" : reasons)))
            }
        }
        flushOutput()  // session tickets, key updates
    }

    private func encrypt(_ chunks: [[UInt8]]) {
        // One SSL_write for the whole batch: fewer, fuller records than one per small chunk.
        let plaintext = chunks.count == 1 ? chunks[0] : Array(chunks.joined())
        guard !plaintext.isEmpty else { return }
        let written: Bool = plaintext.withUnsafeBytes { bytes in
            var offset = 0
            var budget = bytes.count / 1024 + 64  // partial writes still advance; never spin
            while offset < bytes.count, budget > 0 {
                budget -= 1
                let count = SSL_write(ssl, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, Int(Int32.max))))
                if count <= 0 { return false }
                offset += Int(count)
            }
            return offset == bytes.count
        }
        flushOutput()
        if !written { fail(TLSError.openSSL("tls: cannot encrypt")) }
    }

    /// Moves everything OpenSSL produced to the socket.
    private func flushOutput() {
        let pending = BIO_ctrl_pending(writeBIO)
        guard pending > 0, let connection else { return }
        var output = [UInt8](repeating: 0, count: pending)
        let count = output.withUnsafeMutableBytes { BIO_read(writeBIO, $0.baseAddress, Int32(pending)) }
        guard count > 0 else { return }
        if Int(count) < output.count { output.removeLast(output.count - Int(count)) }
        connection.writeToSocket([output])
    }

    // MARK: failure

    private func fail(_ error: TLSError, duringHandshake: Bool = false) {
        guard !failed else { return }
        failed = true
        flushOutput()  // OpenSSL's alert tells the peer why
        heldPlaintext = []
        if context.isServer && duringHandshake {
            context.onHandshakeFailure?(connection?.remoteAddress ?? "?", error.message)
        }
        let callback = onHandshake
        onHandshake = nil
        callback?(error)
        connection?.abort(.layer(error.message))
    }
}
