import EtcdAPI
import Foundation

/// etcd's checks on client requests before they are proposed (v3rpc/key.go), with its errors.
public enum RequestValidation {
    /// etcd's default --max-txn-ops.
    public static let defaultMaxTxnOps = 128

    public static func check(_ r: Etcdserverpb_RangeRequest) throws(EtcdError) {
        if r.key.isEmpty { throw .emptyKey }
    }

    public static func check(_ r: Etcdserverpb_PutRequest) throws(EtcdError) {
        if r.key.isEmpty { throw .emptyKey }
        if r.ignoreValue && !r.value.isEmpty { throw .valueProvided }
        if r.ignoreLease && r.lease != 0 { throw .leaseProvided }
    }

    public static func check(_ r: Etcdserverpb_DeleteRangeRequest) throws(EtcdError) {
        if r.key.isEmpty { throw .emptyKey }
    }

    /// Op counts, empty keys at every depth, then put/delete overlaps in each branch.
    public static func check(_ r: Etcdserverpb_TxnRequest, maxTxnOps: Int = defaultMaxTxnOps) throws(EtcdError) {
        try checkShape(r, maxTxnOps: maxTxnOps)
        _ = try checkOverlaps(r.success)
        _ = try checkOverlaps(r.failure)
    }

    private static func checkShape(_ r: Etcdserverpb_TxnRequest, maxTxnOps: Int) throws(EtcdError) {
        let opCount = max(r.compare.count, r.success.count, r.failure.count)
        if opCount > maxTxnOps { throw .tooManyOps }
        for c in r.compare where c.key.isEmpty { throw .emptyKey }
        for op in r.success + r.failure { try checkOp(op, maxTxnOps: maxTxnOps - opCount) }
    }

    private static func checkOp(_ op: Etcdserverpb_RequestOp, maxTxnOps: Int) throws(EtcdError) {
        switch op.request {
        case .requestRange(let r)?: try check(r)
        case .requestPut(let p)?: try check(p)
        case .requestDeleteRange(let d)?: try check(d)
        case .requestTxn(let t)?: try checkShape(t, maxTxnOps: maxTxnOps)
        case nil: throw .keyNotFound
        }
    }

    /// Puts of one branch (nested txns included) may not hit the same key twice nor a key a
    /// delete of the branch covers; the then/else branches of a nested txn exclude each other,
    /// so they may put the same key. Returns the branch's puts and deletes.
    private static func checkOverlaps(_ ops: [Etcdserverpb_RequestOp]) throws(EtcdError) -> (puts: Set<Data>, deletes: [KeyRange]) {
        var deletes: [KeyRange] = ops.compactMap { op in
            if case .requestDeleteRange(let d)? = op.request { return KeyRange(key: d.key, rangeEnd: d.rangeEnd) }
            return nil
        }
        var puts = Set<Data>()
        func covered(_ key: Data, _ ranges: [KeyRange]) -> Bool { ranges.contains { $0.containsForOverlap(key) } }
        for op in ops {
            guard case .requestTxn(let t)? = op.request else { continue }
            let thenSide = try checkOverlaps(t.success)
            let elseSide = try checkOverlaps(t.failure)
            for k in thenSide.puts {
                if puts.contains(k) || covered(k, deletes) { throw .duplicateKey }
                puts.insert(k)
            }
            for k in elseSide.puts {
                if puts.contains(k) && !thenSide.puts.contains(k) { throw .duplicateKey }
                if covered(k, deletes) { throw .duplicateKey }
                puts.insert(k)
            }
            deletes += thenSide.deletes + elseSide.deletes
        }
        for op in ops {
            guard case .requestPut(let p)? = op.request else { continue }
            if puts.contains(p.key) || covered(p.key, deletes) { throw .duplicateKey }
            puts.insert(p.key)
        }
        return (puts, deletes)
    }
}

extension KeyRange {
    /// etcd's interval tree treats a delete's (key, range_end) as [key, range_end) with an
    /// empty end meaning a single point; "\0" as end is an ordinary (tiny) bound there.
    func containsForOverlap(_ k: Data) -> Bool {
        guard let end else { return k == key }
        if end.isEmpty {
            // Written as "\0" by the client: etcd's interval [key, "\0") contains only keys
            // below "\0", i.e. nothing above key.
            return false
        }
        return compareBytes(k, key) >= 0 && compareBytes(k, end) < 0
    }
}
