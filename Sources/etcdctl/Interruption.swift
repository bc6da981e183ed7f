import Dispatch
import Glibc
import Synchronization

/// SIGINT/SIGTERM for lock and elect: etcdctl catches them to give up its lock or leadership
/// before leaving. The current action depends on how far the command got; it runs on a
/// background queue and ends the process.
enum Interruption {
    private static let action = Mutex<(@Sendable () -> Void)?>(nil)
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Starts catching the signals; until `onSignal` sets an action, a signal exits with 1.
    static func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let current = action.withLock { $0 }
                if let current { current() } else { exit(1) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// What a signal does from now on (nil: nothing, e.g. while a child command runs).
    static func onSignal(_ body: (@Sendable () -> Void)?) {
        action.withLock { $0 = body }
    }
}
