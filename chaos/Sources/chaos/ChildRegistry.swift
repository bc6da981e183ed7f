import Dispatch
import Glibc
import Synchronization

/// The member processes alive right now, so that an interrupted run (Ctrl-C, SIGTERM from a
/// CI timeout) kills them instead of leaving orphans behind.
enum ChildRegistry {
    private static let pids = Mutex<Set<Int32>>([])
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func add(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }
    static func remove(_ pid: Int32) { pids.withLock { _ = $0.remove(pid) } }

    /// Installs handlers for SIGINT and SIGTERM: kill every member, then exit 130/143.
    /// Called once from the main thread before any run starts.
    static func installInterruptHandlers() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let all = pids.withLock { $0 }
                Output.line("chaos: interrupted; killing members \(all.sorted())")
                for pid in all {
                    kill(pid, SIGCONT)
                    kill(pid, SIGKILL)
                }
                _exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}
