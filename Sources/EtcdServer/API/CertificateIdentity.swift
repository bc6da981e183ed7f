/// etcd's --client-cert-auth identity: a gRPC request without a token acts as the user named by
/// the common name of the client's verified certificate. The name travels with the request's
/// metadata under a key of Keel's own; whatever a client sent under that key is dropped first,
/// so only the TLS layer can set it. The JSON gateway never carries it (etcd ignores the
/// certificate of gateway requests too).
enum CertificateIdentity {
    static let metadataKey = "keel-verified-certificate-cn"

    /// The client's metadata without any entry claiming to be a certificate's name.
    static func untrusted(_ headers: [(String, String)]) -> [(String, String)] {
        headers.contains { $0.0 == metadataKey } ? headers.filter { $0.0 != metadataKey } : headers
    }

    /// gRPC metadata plus the verified certificate's common name when certificates name users.
    static func metadata(_ headers: [(String, String)], commonName: String?, enabled: Bool) -> [(String, String)] {
        let clean = untrusted(headers)
        guard enabled, let commonName else { return clean }
        return clean + [(metadataKey, commonName)]
    }

    /// The common name set by `metadata`, if any.
    static func commonName(in metadata: [(String, String)]) -> String? {
        metadata.first { $0.0 == metadataKey }?.1
    }
}
