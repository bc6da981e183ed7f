import EtcdAPI
import Foundation

/// Which branch each (nested) txn takes, decided on the read view before anything is written,
/// as etcd 3.4 does: compares of nested txns see the state before the outer txn's writes.
struct TxnPlan {
    var succeeded: Bool
    /// Plans of the nested txns of the chosen branch, in op order.
    var nested: [TxnPlan]
}

extension KVStore {
    func applyTxn(_ t: Etcdserverpb_TxnRequest) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        let readRevision = currentRevision
        let plan = try makePlan(t, readRevision: readRevision)
        if !Self.isReadOnly(t) { try checkPuts(t, plan: plan, readRevision: readRevision) }
        try checkRanges(t, plan: plan, readRevision: readRevision)

        let w = beginWrite()
        var resp = try execute(t, plan: plan, in: w)
        let revision = w.resultRevision
        endWrite(w)
        resp.header.revision = revision
        return resp
    }

    private func makePlan(_ t: Etcdserverpb_TxnRequest, readRevision: Int64) throws(EtcdError) -> TxnPlan {
        var ok = true
        for c in t.compare where !(try compare(c, readRevision: readRevision)) {
            ok = false
            break
        }
        var nested: [TxnPlan] = []
        for op in ok ? t.success : t.failure {
            if case .requestTxn(let inner)? = op.request { nested.append(try makePlan(inner, readRevision: readRevision)) }
        }
        return TxnPlan(succeeded: ok, nested: nested)
    }

    /// A compare holds when it holds for every key of its range; over no key it is judged
    /// against an empty KeyValue, except VALUE compares, which then fail.
    private func compare(_ c: Etcdserverpb_Compare, readRevision: Int64) throws(EtcdError) -> Bool {
        let kvs: [Mvccpb_KeyValue]
        do {
            kvs = try rangeKeys(KeyRange(key: c.key, rangeEnd: c.rangeEnd), revision: 0, readRevision: readRevision,
                                limit: 0, countOnly: false).kvs
        } catch {
            return false
        }
        if kvs.isEmpty { return c.target == .value ? false : Self.compare(c, Mvccpb_KeyValue()) }
        return kvs.allSatisfy { Self.compare(c, $0) }
    }

    static func compare(_ c: Etcdserverpb_Compare, _ kv: Mvccpb_KeyValue) -> Bool {
        func order(_ a: Int64, _ b: Int64) -> Int { a == b ? 0 : (a < b ? -1 : 1) }
        // A target_union of another kind than `target` compares against zero, as in etcd.
        let result: Int
        switch c.target {
        case .value:
            if case .value(let v)? = c.targetUnion { result = compareBytes(kv.value, v) } else { result = compareBytes(kv.value, Data()) }
        case .create:
            if case .createRevision(let v)? = c.targetUnion { result = order(kv.createRevision, v) } else { result = order(kv.createRevision, 0) }
        case .mod:
            if case .modRevision(let v)? = c.targetUnion { result = order(kv.modRevision, v) } else { result = order(kv.modRevision, 0) }
        case .version:
            if case .version(let v)? = c.targetUnion { result = order(kv.version, v) } else { result = order(kv.version, 0) }
        case .lease:
            if case .lease(let v)? = c.targetUnion { result = order(kv.lease, v) } else { result = order(kv.lease, 0) }
        case .UNRECOGNIZED:
            result = 0
        }
        switch c.result {
        case .equal: return result == 0
        case .notEqual: return result != 0
        case .greater: return result > 0
        case .less: return result < 0
        case .UNRECOGNIZED: return true
        }
    }

    /// True when no branch at any depth puts or deletes.
    static func isReadOnly(_ t: Etcdserverpb_TxnRequest) -> Bool {
        (t.success + t.failure).allSatisfy { op in
            switch op.request {
            case .requestPut?, .requestDeleteRange?: false
            case .requestTxn(let inner)?: isReadOnly(inner)
            default: true
            }
        }
    }

    /// Visits the ops of the branches the plan takes, at every depth.
    private func forEachPlannedOp(_ t: Etcdserverpb_TxnRequest, plan: TxnPlan,
                                  _ body: (Etcdserverpb_RequestOp) throws(EtcdError) -> Void) throws(EtcdError) {
        var nested = plan.nested.makeIterator()
        for op in plan.succeeded ? t.success : t.failure {
            if case .requestTxn(let inner)? = op.request {
                guard let p = nested.next() else { preconditionFailure("txn plan out of step") }
                try forEachPlannedOp(inner, plan: p, body)
            } else {
                try body(op)
            }
        }
    }

    /// Puts that need the previous value, or a lease, must find them (before any write).
    private func checkPuts(_ t: Etcdserverpb_TxnRequest, plan: TxnPlan, readRevision: Int64) throws(EtcdError) {
        try forEachPlannedOp(t, plan: plan) { op throws(EtcdError) in
            guard case .requestPut(let p)? = op.request else { return }
            if p.ignoreValue || p.ignoreLease {
                let found = try rangeKeys(KeyRange(key: p.key, rangeEnd: Data()), revision: 0, readRevision: readRevision,
                                          limit: 0, countOnly: true).count
                if found == 0 { throw .keyNotFound }
            }
            if p.lease != 0 && !lessor.exists(LeaseID(p.lease)) { throw .leaseNotFound }
        }
    }

    /// Ranges at a revision must be neither in the future nor compacted.
    private func checkRanges(_ t: Etcdserverpb_TxnRequest, plan: TxnPlan, readRevision: Int64) throws(EtcdError) {
        try forEachPlannedOp(t, plan: plan) { op throws(EtcdError) in
            guard case .requestRange(let r)? = op.request, r.revision != 0 else { return }
            if r.revision > readRevision { throw .futureRevision }
            if r.revision < compactedRevision { throw .compacted }
        }
    }

    private func execute(_ t: Etcdserverpb_TxnRequest, plan: TxnPlan, in w: WriteTxn) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        var resp = Etcdserverpb_TxnResponse()
        resp.succeeded = plan.succeeded
        var nested = plan.nested.makeIterator()
        for op in plan.succeeded ? t.success : t.failure {
            var out = Etcdserverpb_ResponseOp()
            switch op.request {
            case .requestRange(let r)?:
                out.responseRange = try range(r, readRevision: w.readRevision)
            case .requestPut(let p)?:
                out.responsePut = try put(p, in: w)
            case .requestDeleteRange(let d)?:
                out.responseDeleteRange = deleteRange(d, in: w)
            case .requestTxn(let inner)?:
                guard let p = nested.next() else { preconditionFailure("txn plan out of step") }
                var innerResp = try execute(inner, plan: p, in: w)
                innerResp.header.revision = 0
                out.responseTxn = innerResp
            case nil:
                break
            }
            resp.responses.append(out)
        }
        return resp
    }
}
