import GRPC
import KVStore

/// Where a unary call's answer goes: a gRPC stream or the JSON gateway. Services answer through
/// this, so one handler serves both.
final class Reply<Response> {
    /// Absolute loop time by which the caller wants an answer, if it said.
    let deadlineMilliseconds: UInt64?
    /// The request's metadata (gRPC headers or HTTP headers, lowercased): the auth token.
    let metadata: [(String, String)]
    private var respondBody: ((Response) -> Void)?
    private var failBody: ((GRPCStatus) -> Void)?

    init(deadlineMilliseconds: UInt64?, metadata: [(String, String)] = [],
         respond: @escaping (Response) -> Void, fail: @escaping (GRPCStatus) -> Void) {
        self.deadlineMilliseconds = deadlineMilliseconds
        self.metadata = metadata
        respondBody = respond
        failBody = fail
    }

    /// Answers once; later answers are ignored.
    func respond(_ response: Response) {
        let body = respondBody
        respondBody = nil
        failBody = nil
        body?(response)
    }

    func fail(_ status: GRPCStatus) {
        let body = failBody
        respondBody = nil
        failBody = nil
        body?(status)
    }

    func fail(_ error: EtcdError) { fail(error.status) }

    /// Milliseconds left before the deadline, if there is one.
    func remainingMilliseconds(now: UInt64) -> UInt64? {
        deadlineMilliseconds.map { $0 > now ? $0 - now : 0 }
    }
}
