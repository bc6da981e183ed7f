import Dispatch
import EventLoop
import Foundation

/// Runs an EventLoop on its own thread for a test. Test code hands work to the loop with
/// `run`, which resumes when the loop-side code calls `done` (or after a generous guard time,
/// so a broken test fails instead of hanging).
final class LoopHarness: @unchecked Sendable {
    // @unchecked Sendable: `loop` is only touched on the loop thread (through executeFromAnyThread)
    // after `init` starts the thread; `finished` is signalled once.
    let loop: EventLoop
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        let loop = try EventLoop()
        self.loop = loop
        let finished = self.finished
        let thread = Thread {
            loop.run()
            finished.signal()
        }
        thread.start()
    }

    /// Runs `body` on the loop thread; returns what it passes to `done`, or nil when the guard
    /// time passes first.
    func run<T: Sendable>(guardMilliseconds: UInt64 = 20_000,
                          _ body: @escaping @Sendable (EventLoop, @escaping (T) -> Void) -> Void) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let loop = self.loop
            loop.executeFromAnyThread {
                let once = Once()
                let timer = loop.schedule(afterMilliseconds: guardMilliseconds) {
                    if once.claim() { continuation.resume(returning: nil) }
                }
                body(loop) { value in
                    if once.claim() {
                        timer.cancel()
                        continuation.resume(returning: value)
                    }
                }
            }
        }
    }

    /// Stops the loop (closing every handle) and waits for its thread to finish.
    func stop() {
        let loop = self.loop
        loop.executeFromAnyThread { loop.stop() }
        finished.wait()
    }
}

/// Loop-thread flag: the first `claim` wins.
final class Once {
    private var claimed = false
    func claim() -> Bool {
        if claimed { return false }
        claimed = true
        return true
    }
}
