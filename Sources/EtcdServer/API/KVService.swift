import EtcdAPI
import GRPC
import KVStore
import SwiftProtobuf

/// etcdserverpb.KV: Range, Put, DeleteRange, Txn, Compact.
struct KVService {
    let member: EtcdMember
    let maxTxnOps: Int

    func register(on server: ServiceRegistry) {
        server.unary("/etcdserverpb.KV/Range", gateway: ["/v3/kv/range"]) { (r: Etcdserverpb_RangeRequest, call: Reply<Etcdserverpb_RangeResponse>) in
            range(r, call)
        }
        server.unary("/etcdserverpb.KV/Put", gateway: ["/v3/kv/put"]) { (r: Etcdserverpb_PutRequest, call: Reply<Etcdserverpb_PutResponse>) in
            write(call, check: { () throws(EtcdError) in try RequestValidation.check(r) }, .put, r) { result in
                if case .put(let response) = result { return response }
                return nil
            }
        }
        server.unary("/etcdserverpb.KV/DeleteRange", gateway: ["/v3/kv/deleterange"]) { (r: Etcdserverpb_DeleteRangeRequest, call: Reply<Etcdserverpb_DeleteRangeResponse>) in
            write(call, check: { () throws(EtcdError) in try RequestValidation.check(r) }, .deleteRange, r) { result in
                if case .deleteRange(let response) = result { return response }
                return nil
            }
        }
        server.unary("/etcdserverpb.KV/Txn", gateway: ["/v3/kv/txn"]) { (r: Etcdserverpb_TxnRequest, call: Reply<Etcdserverpb_TxnResponse>) in
            txn(r, call)
        }
        server.unary("/etcdserverpb.KV/Compact", gateway: ["/v3/kv/compaction"]) { (r: Etcdserverpb_CompactionRequest, call: Reply<Etcdserverpb_CompactionResponse>) in
            write(call, check: { () throws(EtcdError) in }, .compaction, r) { result in
                if case .compaction(let response) = result { return response }
                return nil
            }
        }
    }

    private func range(_ r: Etcdserverpb_RangeRequest, _ call: Reply<Etcdserverpb_RangeResponse>) {
        do throws(EtcdError) { try RequestValidation.check(r) } catch { return call.fail(error.status) }
        read(call, serializable: r.serializable) { () throws(EtcdError) in
            try member.store.checkRead(r, try member.requestAuthInfo(call.metadata))
            var response = try member.store.range(r)
            response.header = member.header(revision: response.header.revision)
            return response
        }
    }

    private func txn(_ r: Etcdserverpb_TxnRequest, _ call: Reply<Etcdserverpb_TxnResponse>) {
        do throws(EtcdError) { try RequestValidation.check(r, maxTxnOps: maxTxnOps) } catch { return call.fail(error.status) }
        if KVStore.isReadOnlyTxn(r) {
            // etcd answers a txn that writes nothing locally, after a ReadIndex unless serializable.
            return read(call, serializable: r.isSerializable) { () throws(EtcdError) in
                try member.store.checkTxn(r, try member.requestAuthInfo(call.metadata))
                var response = try member.store.readOnlyTxn(r)
                response.header = member.header(revision: response.header.revision)
                return response
            }
        }
        write(call, check: { () throws(EtcdError) in }, .txn, r) { result in
            if case .txn(let response) = result { return response }
            return nil
        }
    }

    /// Serves a read now (serializable) or after a ReadIndex round (linearizable).
    private func read<Response: SwiftProtobuf.Message>(_ call: Reply<Response>, serializable: Bool,
                                                      _ body: @escaping () throws(EtcdError) -> Response) {
        func serve() {
            do throws(EtcdError) { call.respond(try body()) } catch { call.fail(error.status) }
        }
        if serializable || Canary.linearizableReadWithoutReadIndex.isArmed { return serve() }
        member.linearizableRead(timeoutMilliseconds: call.remainingMilliseconds(now: member.loop.nowMilliseconds)) { result in
            switch result {
            case .success: serve()
            case .failure(let error): call.fail(error.status)
            }
        }
    }

    /// Validates, proposes through Raft, and answers with the applied result.
    private func write<Response: HasResponseHeader, Operation: SwiftProtobuf.Message>(
        _ call: Reply<Response>, check: () throws(EtcdError) -> Void, _ field: RaftRequestEncoding.Field,
        _ operation: Operation, _ extract: @escaping (ApplyResult) -> Response?
    ) {
        do throws(EtcdError) { try check() } catch { return call.fail(error.status) }
        member.proposeAndRespond(field, operation, call, extract)
    }
}
