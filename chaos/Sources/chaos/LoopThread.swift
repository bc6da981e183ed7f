import Dispatch
import EventLoop
import Foundation
import Synchronization

/// An `EventLoop` running on its own thread (the proxy and the workload live there), with a
/// blocking `sync` for the orchestrating thread.
final class LoopThread: @unchecked Sendable {
    // @unchecked Sendable: the loop is only touched through executeFromAnyThread.
    let loop: EventLoop
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        loop = try EventLoop()
        let loop = self.loop
        let finished = self.finished
        let thread = Thread {
            loop.run()
            finished.signal()
        }
        thread.name = "chaos-loop"
        thread.start()
    }

    /// Runs `body` on the loop thread and waits for its result.
    func sync<T>(_ body: @escaping () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = UncheckedBox<T?>(nil)
        let work = UncheckedBox(body)
        loop.executeFromAnyThread {
            box.value = work.value()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    /// Runs `start` on the loop thread and waits until it calls `finish` (async loop work).
    func await<T>(_ start: @escaping (@escaping (T) -> Void) -> Void) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = UncheckedBox<T?>(nil)
        let work = UncheckedBox(start)
        loop.executeFromAnyThread {
            work.value { value in
                box.value = value
                done.signal()
            }
        }
        done.wait()
        return box.value!
    }

    func stop() {
        let loop = self.loop
        loop.executeFromAnyThread { loop.stop() }
        finished.wait()
    }
}

/// Carries a value into a loop-thread body. @unchecked Sendable: the value is handed over
/// once and read after a semaphore orders the accesses.
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
