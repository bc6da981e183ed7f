import Testing

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
