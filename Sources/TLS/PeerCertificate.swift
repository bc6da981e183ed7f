import CLibSSL

/// What the server checks of a client's certificate beyond OpenSSL's chain verification (as
/// etcd's listener does after the handshake), and the identity it exposes.
enum PeerCertificate {
    /// A reason to refuse the peer, or nil.
    static func check(_ ssl: OpaquePointer, context: TLSContext) -> TLSError? {
        guard context.isServer else { return nil }
        guard let certificate = SSL_get1_peer_certificate(ssl) else {
            if !context.allowedCommonName.isEmpty { return TLSError("tls: CommonName authentication failed (no client certificate)") }
            if !context.allowedHostname.isEmpty { return TLSError("tls: hostname authentication failed (no client certificate)") }
            return nil
        }
        defer { X509_free(certificate) }
        if !context.revokedSerials.isEmpty, let serial = X509_get0_serialNumber(certificate) {
            let bytes = RevocationList.serialBytes(serial)
            if context.revokedSerials.contains(bytes) {
                return TLSError("transport: certificate serial \(hex(bytes)) revoked")
            }
        }
        if !context.allowedCommonName.isEmpty {
            let name = commonName(certificate) ?? ""
            if name != context.allowedCommonName {
                return TLSError("tls: CommonName authentication failed (CN \"\(name)\", want \"\(context.allowedCommonName)\")")
            }
        }
        if !context.allowedHostname.isEmpty {
            let name = context.allowedHostname
            if X509_check_host(certificate, name, name.utf8.count, 0, nil) != 1 {
                return TLSError("tls: client certificate is not valid for hostname \"\(name)\"")
            }
        }
        return nil
    }

    /// The common name of the peer's certificate when OpenSSL verified it against the trusted
    /// CAs; nil when there is no certificate or it was not verified.
    static func verifiedCommonName(_ ssl: OpaquePointer) -> String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard SSL_get_verify_result(ssl) == X509_V_OK, SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER != 0 else { return nil }
        return commonName(certificate)
    }

    static func commonName(_ certificate: OpaquePointer) -> String? {
        guard let name = X509_get_subject_name(certificate) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
            return nil
        }
        let length = Int(ASN1_STRING_length(data))
        guard length > 0, let bytes = ASN1_STRING_get0_data(data) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return text
    }
}
