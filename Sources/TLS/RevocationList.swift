import CLibSSL

/// etcd's `--client-crl-file`: the serial numbers a CRL file revokes. As in etcd, a client
/// certificate is refused when its serial is listed (the CRL's issuer is not compared).
enum RevocationList {
    static func serials(from path: String) throws(TLSError) -> Set<[UInt8]> {
        guard let bio = BIO_new_file(path, "r") else { throw TLSError.openSSL("cannot open the CRL file \(path)") }
        defer { BIO_free(bio) }
        var lists: [OpaquePointer] = []
        defer { for crl in lists { X509_CRL_free(crl) } }
        var budget = 10_000  // CRL files hold a handful of lists
        while budget > 0, let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
            budget -= 1
            lists.append(crl)
        }
        ERR_clear_error()  // the end of the PEM input is reported as an error
        if lists.isEmpty {
            // Not PEM: try one DER-encoded list.
            BIO_ctrl(bio, BIO_CTRL_RESET, 0, nil)
            if let crl = d2i_X509_CRL_bio(bio, nil) { lists.append(crl) }
        }
        guard !lists.isEmpty else { throw TLSError.openSSL("no certificate revocation list in \(path)") }
        var serials = Set<[UInt8]>()
        for crl in lists {
            let count = keel_crl_revoked_count(crl)
            for index in 0..<max(0, count) {
                if let serial = keel_crl_revoked_serial(crl, index) { serials.insert(serialBytes(serial)) }
            }
        }
        return serials
    }

    /// The magnitude bytes of an ASN1_INTEGER (what Go's big.Int.Bytes() gives).
    static func serialBytes(_ serial: UnsafePointer<ASN1_INTEGER>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(serial))
        guard length > 0, let data = ASN1_STRING_get0_data(serial) else { return [] }
        var bytes = Array(UnsafeBufferPointer(start: data, count: length))
        while bytes.count > 1, bytes[0] == 0 { bytes.removeFirst() }
        return bytes
    }
}
