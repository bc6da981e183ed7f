import EtcdAPI
import GRPC
import KVStore
import SwiftProtobuf

extension EtcdError {
    /// The gRPC status a client sees for this error.
    var status: GRPCStatus {
        GRPCStatus(code: GRPCStatus.Code(rawValue: code) ?? .unknown, message: message)
    }
}


/// Responses that carry etcd's response header.
protocol HasResponseHeader: SwiftProtobuf.Message {
    var header: Etcdserverpb_ResponseHeader { get set }
}

extension Etcdserverpb_RangeResponse: HasResponseHeader {}
extension Etcdserverpb_PutResponse: HasResponseHeader {}
extension Etcdserverpb_DeleteRangeResponse: HasResponseHeader {}
extension Etcdserverpb_TxnResponse: HasResponseHeader {}
extension Etcdserverpb_CompactionResponse: HasResponseHeader {}
extension Etcdserverpb_LeaseGrantResponse: HasResponseHeader {}
extension Etcdserverpb_LeaseRevokeResponse: HasResponseHeader {}
extension Etcdserverpb_AlarmResponse: HasResponseHeader {}

extension EtcdMember {
    /// Proposes `request` and answers `call` with the response `extract` finds in the result,
    /// with etcd's response header unless `fillHeader` is false (etcd leaves Alarm's empty).
    func proposeAndRespond<Response: HasResponseHeader>(_ request: consuming Etcdserverpb_InternalRaftRequest,
                                                        _ call: Reply<Response>,
                                                        fillHeader: Bool = true,
                                                        _ extract: @escaping (ApplyResult) -> Response?) {
        var request = request
        do throws(EtcdError) { try stampAuth(&request, call.metadata) } catch { return call.fail(error.status) }
        propose(consume request, timeoutMilliseconds: call.remainingMilliseconds(now: loop.nowMilliseconds),
                completion: answer(call, fillHeader: fillHeader, extract))
    }

    /// Answers `call` with the outcome of applying its proposal.
    func answer<Response: HasResponseHeader>(_ call: Reply<Response>, fillHeader: Bool,
                                             _ extract: @escaping (ApplyResult) -> Response?) -> (Result<ApplyResult, EtcdError>) -> Void {
        { [unowned self] result in
            switch result {
            case .success(.failure(let error)):
                call.fail(error.status)
            case .success(let applied):
                guard var response = extract(applied) else {
                    return call.fail(EtcdError.internalError("unexpected apply result").status)
                }
                if fillHeader { response.header = header(revision: response.header.revision) }
                call.respond(response)
            case .failure(let error):
                call.fail(error.status)
            }
        }
    }
}
