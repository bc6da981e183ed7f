import EtcdAPI
import Foundation

/// Raised alarms (member, type), persisted in the "alarm" table so they survive restarts.
final class AlarmStore {
    private let backend: LMDBBackend
    private var alarms: [Etcdserverpb_AlarmMember] = []

    init(backend: LMDBBackend) {
        self.backend = backend
        backend.scan(.alarm, from: nil) { key, _ in
            if let m = try? Etcdserverpb_AlarmMember(serializedBytes: Data(key)) { alarms.append(m) }
            return true
        }
        sort()
    }

    /// Alarms of `type`, or all of them for `.none`.
    func get(_ type: Etcdserverpb_AlarmType) -> [Etcdserverpb_AlarmMember] {
        type == .none ? alarms : alarms.filter { $0.alarm == type }
    }

    func isActive(_ type: Etcdserverpb_AlarmType) -> Bool { alarms.contains { $0.alarm == type } }

    /// Raises an alarm; returns the (possibly already existing) entry.
    @discardableResult
    func activate(memberID: UInt64, _ type: Etcdserverpb_AlarmType) -> Etcdserverpb_AlarmMember {
        if let existing = alarms.first(where: { $0.memberID == memberID && $0.alarm == type }) { return existing }
        var m = Etcdserverpb_AlarmMember()
        m.memberID = memberID
        m.alarm = type
        alarms.append(m)
        sort()
        backend.put(.alarm, try! m.serializedData(), Data())
        return m
    }

    /// Clears an alarm; nil if it was not raised.
    func deactivate(memberID: UInt64, _ type: Etcdserverpb_AlarmType) -> Etcdserverpb_AlarmMember? {
        guard let i = alarms.firstIndex(where: { $0.memberID == memberID && $0.alarm == type }) else { return nil }
        let m = alarms.remove(at: i)
        backend.delete(.alarm, try! m.serializedData())
        return m
    }

    private func sort() {
        alarms.sort { ($0.memberID, $0.alarm.rawValue) < ($1.memberID, $1.alarm.rawValue) }
    }
}
