import EtcdAPI
import KVStore
import SwiftProtobuf

extension EtcdMember {
    /// `proposeAndRespond` for a request made of one KV operation: the InternalRaftRequest's
    /// bytes are written directly around the serialized operation (see RaftRequestEncoding)
    /// instead of building the generated message. Same header: request ID and the caller's
    /// user and auth revision.
    func proposeAndRespond<Response: HasResponseHeader, Operation: SwiftProtobuf.Message>(
        _ field: RaftRequestEncoding.Field, _ operation: Operation, _ call: Reply<Response>,
        _ extract: @escaping (ApplyResult) -> Response?
    ) {
        let auth: AuthInfo?
        do throws(EtcdError) { auth = try authInfo(call.metadata) } catch { return call.fail(error.status) }
        let bytes: [UInt8]
        do { bytes = try operation.serializedBytes() } catch { return call.fail(EtcdError.requestTooLarge.status) }
        let id = requestIDs.next()
        let respond = answer(call, fillHeader: true, extract)
        proposeEncoded(id: id, RaftRequestEncoding.encode(requestID: id, auth: auth, field: field, operation: bytes),
                       timeoutMilliseconds: call.remainingMilliseconds(now: loop.nowMilliseconds)) { result in
            respond(result.flatMap { applied in
                guard case .store(let r) = applied else { return .failure(.internalError("unexpected membership result")) }
                return .success(r)
            })
        }
    }
}
