import EtcdAPI
import Foundation

/// One callback for both kinds of news a watcher gets (an alternative to sink + onCompacted).
public enum WatchDelivery {
    /// Events of whole revisions, and the store revision they are current to.
    case events([Mvccpb_Event], revision: Int64)
    /// The start revision was compacted; the watcher has ended.
    case compacted(compactRevision: Int64)
}

extension WatchFilters {
    public init(noPut: Bool, noDelete: Bool) {
        self = []
        if noPut { insert(.noPut) }
        if noDelete { insert(.noDelete) }
    }
}

extension WatchHub {
    /// `watch` with a single delivery callback; it returns false for events it cannot take now
    /// (its return value is ignored for `.compacted`).
    public func watch(key: Data, rangeEnd: Data = Data(), startRevision: Int64 = 0, filters: WatchFilters = [],
                      prevKV: Bool = false, gate: WatchGate? = nil, deliver: @escaping (WatchDelivery) -> Bool) -> Watcher {
        watch(key: key, rangeEnd: rangeEnd, startRevision: startRevision, prevKV: prevKV, filters: filters, gate: gate,
              sink: { events, revision in deliver(.events(events, revision: revision)) },
              onCompacted: { compactRevision in _ = deliver(.compacted(compactRevision: compactRevision)) })
    }
}
