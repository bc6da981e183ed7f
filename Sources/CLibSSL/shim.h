#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/rand.h>

// OpenSSL macros Swift cannot import, as small inline functions.

static inline long keel_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

static inline long keel_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long keel_ssl_ctx_set_modes(SSL_CTX *ctx) {
    // The memory BIOs never block, but plaintext buffers move between calls from Swift.
    return SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
}

// ALPN on the server. gRPC clients offer only "h2"; clients that also offer "http/1.1" (curl,
// browsers, Go's net/http) get HTTP/1.1, because Keel serves HTTP/2 only to gRPC and the JSON
// gateway speaks HTTP/1.1 (the port mux sorts connections by the HTTP/2 preface). No overlap
// means no ALPN, not a failure.
static int keel_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                            const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    static const unsigned char ours[] = "\x08http/1.1\x02h2";
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, ours, sizeof(ours) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

static inline void keel_ssl_ctx_enable_alpn_server(SSL_CTX *ctx) {
    SSL_CTX_set_alpn_select_cb(ctx, keel_alpn_select, NULL);
}

// The revoked entries of a CRL (OpenSSL's STACK_OF macros do not import).
static inline int keel_crl_revoked_count(X509_CRL *crl) {
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
    return revoked ? sk_X509_REVOKED_num(revoked) : 0;
}

static inline const ASN1_INTEGER *keel_crl_revoked_serial(X509_CRL *crl, int index) {
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
    if (!revoked || index < 0 || index >= sk_X509_REVOKED_num(revoked)) return NULL;
    return X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, index));
}

// JWT signatures (RS*, PS*, ES*) for etcd's --auth-token jwt.
#include <openssl/rsa.h>
#include <openssl/ecdsa.h>
