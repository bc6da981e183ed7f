/// The sequential specification of one register (one etcd key): a value or absent.
///
/// Reads must see the current value; writes set it; a compare-and-set that reports success
/// needs the expected value and sets the new one, one that reports failure needs another
/// value and changes nothing. A cas of unknown outcome may have applied or not.
public enum RegisterModel {
    public typealias State = String?

    public static let initial: State = nil

    /// The state after `op`, or nil when `op` cannot happen in `state`.
    public static func step(_ state: State, _ op: RegisterOperation) -> State? {
        switch op.kind {
        case .read:
            return op.value == state ? .some(state) : nil
        case .write:
            return .some(op.value)
        case .cas:
            let holds = state == op.expected
            switch (op.outcome, op.succeeded) {
            case (.unknown, _): return .some(holds ? op.value : state)
            case (_, true?): return holds ? .some(op.value) : nil
            default: return holds ? nil : .some(state)
            }
        }
    }
}
