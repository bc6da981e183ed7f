import EtcdAPI
import Foundation

/// A raised alarm; its description is etcd's alarm name ("NOSPACE", "CORRUPT") as used in
/// Status errors ("memberID:<id> alarm:NOSPACE ").
public struct ActiveAlarm: Sendable, Equatable, CustomStringConvertible {
    public var memberID: UInt64
    public var type: Etcdserverpb_AlarmType

    public var description: String {
        switch type {
        case .nospace: "NOSPACE"
        case .corrupt: "CORRUPT"
        case .none: "NONE"
        case .UNRECOGNIZED(let n): "\(n)"
        }
    }
}

extension KVStore {
    /// Every raised alarm.
    public var activeAlarms: [ActiveAlarm] {
        alarms.get(.none).map { ActiveAlarm(memberID: $0.memberID, type: $0.alarm) }
    }

    /// A txn without puts or deletes at any depth, answered locally without Raft (etcd does the
    /// same after a ReadIndex unless serializable). Throws `.notCapable` for a writing txn.
    public func readOnlyTxn(_ t: Etcdserverpb_TxnRequest) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        guard Self.isReadOnly(t) else { throw .notCapable }
        return try applyTxn(t)
    }

    /// Whether a txn writes nothing in any branch at any depth.
    public static func isReadOnlyTxn(_ t: Etcdserverpb_TxnRequest) -> Bool { isReadOnly(t) }

    /// fsyncs the LMDB file: everything committed so far survives a power loss.
    public func sync() throws { try backend.sync() }
}
