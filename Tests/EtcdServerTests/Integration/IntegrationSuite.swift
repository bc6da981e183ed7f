import Testing

// Integration tests of Keel's `etcd` executable, driven by the real etcdctl 3.4 and etcd's Go client:
//
//   swift test --filter EtcdIntegration                               # against Keel's etcd
//   KEEL_ETCD_BIN=/usr/bin/etcd swift test --filter EtcdIntegration   # harness self-check
//   KEEL_ITEST_SEED=7 swift test --filter EtcdIntegration.Crash       # other kill moments
//
// Keel's binary: $KEEL_ETCD_BIN, else the `etcd` SwiftPM builds beside the test executable;
// missing, the Keel tests fail. The reference etcd is /usr/bin/etcd (tests needing it are skipped
// without it). Outputs (normalized transcripts, mismatch lists, crash stats) are written to
// $TMPDIR/keel-itest-<pid>/.

/// Every test that starts etcd processes lives under this suite: `.serialized` applies to the
/// nested suites too, so these tests never compete with each other for ports or the 2 CPUs.
/// The harness types are nested in it as well, so their names can't collide with other tests
/// of the EtcdServerTests target.
@Suite(.serialized) struct EtcdIntegration {}

extension EtcdIntegration {
    /// Keel's `etcd`, or a recorded failure saying why it is missing: tests that need it fail,
    /// they are not skipped.
    static func requireKeelEtcd(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard IntegrationPaths.realEtcdctlInstalled else {
            Issue.record("the real etcdctl 3.4 (\(IntegrationPaths.realEtcdctl)) is missing: apt-get install etcd-client",
                         sourceLocation: sourceLocation)
            return nil
        }
        switch IntegrationPaths.keelEtcd() {
        case .success(let path): return path
        case .failure(let missing):
            Issue.record(Comment(rawValue: missing.message), sourceLocation: sourceLocation)
            return nil
        }
    }
}
