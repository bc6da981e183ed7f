import Dispatch
import Glibc
import Synchronization

/// The member processes that are still ours: spawned and not yet reaped. A child that exited
/// stays a zombie (its PID reserved) until we reap it, and we reap only here, under the same
/// lock that guards every signal: so a signal can never reach a PID the kernel gave to some
/// other process after our child was reaped. It also lets an interrupted run (Ctrl-C, SIGTERM
/// from a CI timeout) kill the members instead of leaving orphans behind.
enum ChildRegistry {
    private static let pids = Mutex<Set<Int32>>([])
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func add(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }

    /// Sends `sig` to `pid` only if it is a child of ours not yet reaped; false otherwise.
    @discardableResult
    static func signal(_ pid: Int32, _ sig: Int32) -> Bool {
        pids.withLock { live in
            guard live.contains(pid) else { return false }
            return kill(pid, sig) == 0
        }
    }

    /// Reaps `pid` if it has exited (never blocks): its wait status, or nil while it runs.
    /// After a non-nil answer the PID is forgotten and never signalled again.
    static func reapIfExited(_ pid: Int32) -> Int32? {
        pids.withLock { live in
            guard live.contains(pid) else { return nil }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                live.remove(pid)
                return status
            }
            if r < 0 && errno == ECHILD {
                // Not our child any more (cannot happen unless someone else reaped it): never
                // signal it again, its PID may already belong to another process.
                live.remove(pid)
                return -1
            }
            return nil
        }
    }

    /// Installs handlers for SIGINT and SIGTERM: kill every member, then exit 130/143.
    /// Called once from the main thread before any run starts.
    static func installInterruptHandlers() {
        for sig in [SIGINT, SIGTERM] {
            Glibc.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                // Under the lock: nothing is reaped meanwhile, so every PID is still our child.
                let all = pids.withLock { live in
                    for pid in live {
                        kill(pid, SIGCONT)
                        kill(pid, SIGKILL)
                    }
                    return live
                }
                Output.line("chaos: interrupted; killed members \(all.sorted())")
                _exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}
