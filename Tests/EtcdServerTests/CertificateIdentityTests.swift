import Testing

@testable import EtcdServer

/// The certificate's common name reaches the auth checks only from the TLS layer.
@Suite struct CertificateIdentityTests {
    @Test func clientsCannotClaimACertificateName() {
        let forged = [("token", "t"), (CertificateIdentity.metadataKey, "root")]
        #expect(CertificateIdentity.commonName(in: CertificateIdentity.untrusted(forged)) == nil)
        #expect(CertificateIdentity.commonName(in: CertificateIdentity.metadata(forged, commonName: nil, enabled: true)) == nil)
        let verified = CertificateIdentity.metadata(forged, commonName: "alice", enabled: true)
        #expect(CertificateIdentity.commonName(in: verified) == "alice")
        #expect(verified.filter { $0.0 == CertificateIdentity.metadataKey }.count == 1)
        // Without --client-cert-auth the certificate names nobody.
        #expect(CertificateIdentity.commonName(in: CertificateIdentity.metadata([], commonName: "alice", enabled: false)) == nil)
    }
}
