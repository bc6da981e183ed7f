import EtcdAPI
import Foundation

extension KVStore: WatchEventSource {
    func history(from fromRevision: Int64, scanLimit: Int) -> (events: [Mvccpb_Event], lastRevision: Int64) {
        var events: [Mvccpb_Event] = []
        var lastMain: Int64 = fromRevision - 1
        var reachedEnd = true
        let upper = currentRevision
        backend.scan(.key, from: Revision(main: fromRevision).encoded()) { rawKey, rawValue in
            let (rev, isTombstone) = Revision.decode(rawKey)
            if rev.main > upper { return false }
            // Stop only between revisions so a revision's events stay together.
            if events.count >= scanLimit && rev.main != lastMain {
                reachedEnd = false
                return false
            }
            guard var kv = try? Mvccpb_KeyValue(serializedBytes: Data(rawValue)) else {
                preconditionFailure("undecodable KeyValue at revision \(rev)")
            }
            var e = Mvccpb_Event()
            if isTombstone {
                e.type = .delete
                kv.modRevision = rev.main
            }
            e.kv = kv
            events.append(e)
            lastMain = rev.main
            return true
        }
        return (events, reachedEnd ? upper : lastMain)
    }
}
