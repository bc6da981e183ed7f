import EtcdClient
import TLS

extension ClientSetup {
    /// etcdctl's newClientCfg: a TLS configuration when --cert, --key or --cacert is given or
    /// --insecure-transport=false, with --insecure-skip-tls-verify applied; nil otherwise (https
    /// endpoints then still use TLS with the system's roots, as clientv3 does).
    func tlsOptions() -> TLSClientOptions? {
        let cert = invocation.string("cert")
        let key = invocation.string("key")
        let cacert = invocation.string("cacert")
        var options: TLSClientOptions?
        if !cert.isEmpty || !key.isEmpty || !cacert.isEmpty {
            if cert.isEmpty != key.isEmpty {
                exitWithError(ExitCode.badArgs, "KeyFile and CertFile must both be present[key: \(key), cert: \(cert)]")
            }
            var configured = TLSClientOptions()
            configured.certFile = cert
            configured.keyFile = key
            configured.trustedCAFile = cacert
            options = configured
        } else if !invocation.bool("insecure-transport") {
            options = TLSClientOptions()
        }
        // As in etcdctl, only an existing TLS configuration skips verification: an https
        // endpoint alone still verifies (use --insecure-transport=false to skip).
        if invocation.bool("insecure-skip-tls-verify"), var skipping = options {
            skipping.insecureSkipVerify = true
            options = skipping
        }
        if let options {
            // Load the files now so that a bad path is reported as etcdctl does, before dialling.
            do { _ = try TLSContext.client(options) } catch { exitWithError(ExitCode.badArgs, error.message) }
        }
        return options
    }

}
