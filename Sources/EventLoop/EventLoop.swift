import CLibUV
import Glibc
import Synchronization

/// One libuv loop. Everything except `executeFromAnyThread` must be called on the loop thread
/// (the thread inside `run()`, or the creating thread before `run()` starts).
public final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: only `executeFromAnyThread` is used across threads, and it touches
    // nothing but the mutex-protected `crossThread` queue and `uv_async_send`.

    let uv: UnsafeMutablePointer<uv_loop_t>
    /// Shared read buffer: libuv hands it to exactly one read callback at a time on this thread.
    let readBuffer: UnsafeMutableRawPointer
    static let readBufferBytes = 64 * 1024

    private var checkBox: HandleBox!
    private var idleBox: HandleBox!
    private var asyncBox: HandleBox!
    private var everyIteration: [() -> Void] = []
    private var deferred: [() -> Void] = []
    private var idleActive = false
    private var stopping = false
    private var finished = false
    private let crossThread = Mutex(CrossThreadQueue())

    struct CrossThreadQueue {
        var bodies: [@Sendable () -> Void] = []
        var closed = false
    }

    public init() throws(LoopError) {
        uv = .allocate(capacity: 1)
        readBuffer = .allocate(byteCount: EventLoop.readBufferBytes, alignment: 16)
        let status = uv_loop_init(uv)
        if status < 0 {
            uv.deallocate()
            readBuffer.deallocate()
            throw LoopError(code: status, operation: "uv_loop_init")
        }
        uv.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        // A write to a socket the peer closed must fail with EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        installIterationHandles()
    }

    deinit {
        // run() closes the loop; a loop that never ran still has its three internal handles.
        if !finished { drainAndClose() }
        uv.deallocate()
        readBuffer.deallocate()
    }

    static func from(_ loop: UnsafeMutablePointer<uv_loop_t>?) -> EventLoop {
        Unmanaged<EventLoop>.fromOpaque(loop!.pointee.data!).takeUnretainedValue()
    }

    /// Monotonic milliseconds, cached by libuv at the start of each iteration.
    public var nowMilliseconds: UInt64 { uv_now(uv) }

    /// Runs until `stop()`, then closes every handle still open (their owners see `onClose`),
    /// waits for threadpool work to complete, and returns.
    public func run() {
        precondition(!finished, "EventLoop.run called twice")
        while !stopping {
            uv_run(uv, UV_RUN_DEFAULT)
        }
        drainAndClose()
    }

    /// Asks `run()` to return at the end of this iteration. Loop thread only; from another
    /// thread use `executeFromAnyThread { loop.stop() }`.
    public func stop() {
        stopping = true
        uv_stop(uv)
    }

    private func drainAndClose() {
        finished = true
        crossThread.withLock { $0.closed = true }
        uv_walk(uv, { handle, _ in
            guard let handle, uv_is_closing(handle) == 0, handle.pointee.data != nil else { return }
            HandleBox.from(handle.pointee.data).close()
        }, nil)
        while uv_run(uv, UV_RUN_DEFAULT) != 0 {}
        let status = uv_loop_close(uv)
        LoopError.mustSucceed(status, "uv_loop_close")
    }

    // MARK: iteration hooks

    /// Runs `body` in the check phase of every iteration (after I/O callbacks), for batching.
    /// Hooks run again after deferred bodies of the same check phase, so work those bodies add
    /// is batched without waiting for the next poll. Work added from a timer callback (which runs
    /// before poll) should call `requestCheckPhase()` so poll does not block first.
    public func onEveryIteration(_ body: @escaping () -> Void) {
        everyIteration.append(body)
    }

    /// Runs `body` once, in the check phase of this iteration (or the next one if the check
    /// phase is already past). The loop does not block in poll while such work is pending.
    public func deferToIterationEnd(_ body: @escaping () -> Void) {
        deferred.append(body)
        requestCheckPhase()
    }

    /// Makes the coming poll return at once, so the check phase (and the batching hooks) run
    /// without waiting for I/O or a timer.
    public func requestCheckPhase() {
        guard !idleActive, !idleBox.isClosing else { return }
        idleActive = true
        // An active idle handle makes the poll timeout zero.
        uv_idle_start(idleBox.pointer(uv_idle_t.self)) { _ in }
    }

    static let maxCheckRounds = 8

    private func runCheckPhase() {
        if idleActive {
            idleActive = false
            uv_idle_stop(idleBox.pointer(uv_idle_t.self))
        }
        // Hooks, then deferred bodies (which may defer more, or add work for the hooks); a
        // bounded number of rounds now, the rest in the next iteration.
        for round in 1...EventLoop.maxCheckRounds {
            for body in everyIteration { body() }
            if deferred.isEmpty { return }
            let batch = deferred
            deferred.removeAll(keepingCapacity: true)
            for body in batch { body() }
            if round == EventLoop.maxCheckRounds { requestCheckPhase() }
        }
    }

    // MARK: cross-thread

    /// Thread-safe: queues `body` to run on the loop thread. Dropped if the loop has finished.
    public func executeFromAnyThread(_ body: @escaping @Sendable () -> Void) {
        let handle = asyncBox.pointer(uv_async_t.self)
        crossThread.withLock { queue in
            guard !queue.closed else { return }
            queue.bodies.append(body)
            // Under the lock so the handle cannot be closed between the check and the send.
            uv_async_send(handle)
        }
    }

    private func runCrossThread() {
        let bodies = crossThread.withLock { queue in
            let taken = queue.bodies
            queue.bodies.removeAll()
            return taken
        }
        for body in bodies { body() }
    }

    private func installIterationHandles() {
        checkBox = HandleBox(uv_check_t.self)
        LoopError.mustSucceed(uv_check_init(uv, checkBox.pointer(uv_check_t.self)), "uv_check_init")
        checkBox.attach()
        uv_check_start(checkBox.pointer(uv_check_t.self)) { handle in
            EventLoop.from(handle!.pointee.loop).runCheckPhase()
        }
        uv_unref(checkBox.handle)

        idleBox = HandleBox(uv_idle_t.self)
        LoopError.mustSucceed(uv_idle_init(uv, idleBox.pointer(uv_idle_t.self)), "uv_idle_init")
        idleBox.attach()
        uv_unref(idleBox.handle)

        asyncBox = HandleBox(uv_async_t.self)
        let status = uv_async_init(uv, asyncBox.pointer(uv_async_t.self)) { handle in
            EventLoop.from(handle!.pointee.loop).runCrossThread()
        }
        LoopError.mustSucceed(status, "uv_async_init")
        asyncBox.attach()
        // The async handle stays referenced: it keeps run() going until stop().
    }
}
