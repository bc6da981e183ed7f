/// A layer between a TCPConnection's socket and the protocol above it (TLS is the one Keel has).
///
/// With a layer installed, bytes read from the socket go to `received` instead of `onRead`, and
/// bytes the protocol writes go to `send`; the layer hands plaintext up with
/// `TCPConnection.deliver` and ciphertext down with `TCPConnection.writeToSocket`. Protocols
/// (HTTP/2, HTTP/1.1, the peer transport) keep talking to the same `TCPConnection` either way.
/// Loop thread only.
public protocol ConnectionLayer: AnyObject {
    /// Bytes read from the socket.
    func received(_ bytes: UnsafeRawBufferPointer)
    /// Bytes the protocol wants to send, in order.
    func send(_ chunks: [[UInt8]])
    /// An orderly close is starting: the last bytes to put on the wire (a TLS close_notify).
    func closing()
    /// The common name of the peer's verified certificate, once the handshake is done.
    var peerCommonName: String? { get }
}

import CLibUV

extension LoopError {
    /// A connection closed by its layer (a failed TLS handshake, a bad record): EPROTO with the
    /// layer's own explanation as the operation.
    public static func layer(_ explanation: String) -> LoopError {
        LoopError(code: UV_EPROTO.rawValue, operation: explanation)
    }
}
