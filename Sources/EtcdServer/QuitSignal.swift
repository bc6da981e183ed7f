#if canImport(Glibc)
import Glibc
#endif

/// SIGQUIT ends the member at once with status 2, without stopping anything cleanly, as it
/// ends etcd (the Go runtime prints "SIGQUIT: quit" and its goroutines, then exits 2).
/// Without this, the Swift runtime's crash backtracer takes SIGQUIT, prints a backtrace and
/// leaves the process running but wedged: it neither serves nor exits, and whatever supervises
/// it (the functional tester's SIGQUIT_AND_REMOVE_ONE_FOLLOWER, a shell's Ctrl-\) waits forever.
enum QuitSignal {
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // Only async-signal-safe calls here: write(2) and _exit(2).
            let message: StaticString = "SIGQUIT: quit\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(2)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGQUIT, &action, nil)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGQUIT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
