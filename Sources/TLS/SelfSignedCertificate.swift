import CLibSSL
import Glibc

/// etcd's `--auto-tls`/`--peer-auto-tls`: a fresh ECDSA P-256 key and a self-signed certificate
/// for the listen hosts, valid one year, written as `cert.pem` and `key.pem` in a directory.
public enum SelfSignedCertificate {
    public struct Files: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
    }

    static let validitySeconds = 365 * 24 * 3600

    /// Generates and writes the pair; `hosts` become IP or DNS subject alternative names.
    public static func generate(hosts: [String], directory: String) throws(TLSError) -> Files {
        try makeDirectory(directory)
        guard let key = try? generateKey() else { throw TLSError.openSSL("auto-tls: cannot generate a key") }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw TLSError.openSSL("auto-tls: cannot create a certificate") }
        defer { X509_free(certificate) }
        try fill(certificate, key: key, hosts: hosts)
        let files = Files(certFile: directory + "/cert.pem", keyFile: directory + "/key.pem")
        try write(files.certFile, mode: 0o644) { PEM_write_bio_X509($0, certificate) }
        try write(files.keyFile, mode: 0o600) { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return files
    }

    private static func generateKey() throws(TLSError) -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw TLSError.openSSL("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) == 1,
              EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw TLSError.openSSL("EVP_PKEY_keygen")
        }
        return key
    }

    private static func fill(_ certificate: OpaquePointer, key: OpaquePointer, hosts: [String]) throws(TLSError) {
        var serial = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&serial, Int32(serial.count)) == 1 else { throw TLSError.openSSL("auto-tls: no random serial") }
        serial[0] &= 0x7f  // positive
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { throw TLSError.openSSL("BN_bin2bn") }
        defer { BN_free(number) }
        guard X509_set_version(certificate, 2) == 1,
              BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil,
              X509_gmtime_adj(X509_getm_notBefore(certificate), 0) != nil,
              X509_gmtime_adj(X509_getm_notAfter(certificate), validitySeconds) != nil,
              X509_set_pubkey(certificate, key) == 1,
              let name = X509_get_subject_name(certificate),
              X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, "etcd", -1, -1, 0) == 1,
              X509_set_issuer_name(certificate, name) == 1 else {
            throw TLSError.openSSL("auto-tls: cannot fill the certificate")
        }
        var names = hosts.map { HostName.isIPAddress($0) ? "IP:\($0)" : "DNS:\($0)" }
        if names.isEmpty { names = ["DNS:localhost"] }
        try addExtension(certificate, NID_subject_alt_name, names.joined(separator: ","))
        try addExtension(certificate, NID_key_usage, "critical,digitalSignature,keyEncipherment")
        try addExtension(certificate, NID_ext_key_usage, "serverAuth,clientAuth")
        try addExtension(certificate, NID_basic_constraints, "critical,CA:FALSE")
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw TLSError.openSSL("auto-tls: cannot sign") }
    }

    private static func addExtension(_ certificate: OpaquePointer, _ nid: Int32, _ value: String) throws(TLSError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw TLSError.openSSL("auto-tls: bad certificate extension \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(certificate, ext, -1) == 1 else { throw TLSError.openSSL("auto-tls: cannot add \(value)") }
    }

    private static func makeDirectory(_ path: String) throws(TLSError) {
        var prefix = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            prefix += (prefix.isEmpty && path.hasPrefix("/") ? "" : (prefix.isEmpty ? "" : "/")) + part
            if prefix.isEmpty { prefix = "/"; continue }
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw TLSError("auto-tls: cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func write(_ path: String, mode: mode_t, _ body: (OpaquePointer) -> Int32) throws(TLSError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw TLSError("auto-tls: cannot write \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        guard let bio = BIO_new_file(path, "w") else { throw TLSError.openSSL("auto-tls: cannot write \(path)") }
        defer { BIO_free(bio) }
        guard body(bio) == 1 else { throw TLSError.openSSL("auto-tls: cannot write \(path)") }
    }
}
