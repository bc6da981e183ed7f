import EtcdAPI
import EventLoop
import GRPC

extension EtcdConnection {
    /// Streams the backend snapshot: `onChunk` gets each blob in order, `completion` the end
    /// (nil on success).
    public func snapshot(timeoutMilliseconds: UInt64?, onChunk: @escaping ([UInt8]) -> Void,
                         completion: @escaping (EtcdError?) -> Void) {
        let deadline = deadline(after: timeoutMilliseconds)
        openStream(EtcdRPCs.snapshotPath, deadline: deadline) {
            (result: Result<(GRPCClient, ClientStream<Etcdserverpb_SnapshotRequest, Etcdserverpb_SnapshotResponse>), EtcdError>) in
            switch result {
            case .failure(let error): completion(error)
            case .success(let (_, stream)):
                stream.onMessage = { response in onChunk(Array(response.blob)) }
                stream.onFinish = { status in
                    if status.code == .ok { completion(nil) }
                    else if status.code == .deadlineExceeded { completion(.deadlineExceeded()) }
                    else { completion(EtcdError(status)) }
                }
                stream.send(Etcdserverpb_SnapshotRequest())
                stream.closeSend()
            }
        }
    }
}
