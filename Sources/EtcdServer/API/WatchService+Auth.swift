import Foundation
import GRPC
import KVStore

extension WatchSession {
    /// Why this stream's user may not watch the range (the cancel reason), or nil. etcd turns a
    /// range end of "\0" into "no range end" before checking, so a from-key watch needs read
    /// access to its key; its cancel reason is the gRPC error's full text.
    func watchRefusal(key: Data, rangeEnd: Data) -> String? {
        let checkedEnd = rangeEnd == Data([0]) ? Data() : rangeEnd
        do throws(EtcdError) {
            let info = try member.requestAuthInfo(metadata)
            try member.store.auth.checkKeyAccess(info, .read, key: key, rangeEnd: checkedEnd)
        } catch {
            let reported = error == .invalidAuthToken || error == .authOldRevision || error == .userEmpty ? error : .permissionDenied
            return reported.status.description
        }
        return nil
    }
}
