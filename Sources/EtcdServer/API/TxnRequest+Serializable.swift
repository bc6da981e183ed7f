import EtcdAPI

extension Etcdserverpb_TxnRequest {
    /// True when every range in it is serializable.
    var isSerializable: Bool {
        (success + failure).allSatisfy { op in
            switch op.request {
            case .requestRange(let r): return r.serializable
            case .requestTxn(let t): return t.isSerializable
            default: return true
            }
        }
    }
}
