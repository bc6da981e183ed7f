import CLibUV

/// A one-shot or repeating timer on the loop. The handle is closed after a one-shot fires or on
/// `cancel()`; the body is never called after `cancel()`.
public final class LoopTimer {
    private let box: HandleBox
    private var body: (() -> Void)?
    private let repeating: Bool

    init(loop: EventLoop, milliseconds: UInt64, repeating: Bool, body: @escaping () -> Void) {
        self.repeating = repeating
        self.body = body
        box = HandleBox(uv_timer_t.self)
        box.owner = self
        let timer = box.pointer(uv_timer_t.self)
        LoopError.mustSucceed(uv_timer_init(loop.uv, timer), "uv_timer_init")
        box.attach()
        let status = uv_timer_start(timer, { timer in
            HandleBox.owner(timer!.pointee.data, as: LoopTimer.self)?.fire()
        }, milliseconds, repeating ? max(milliseconds, 1) : 0)
        LoopError.mustSucceed(status, "uv_timer_start")
    }

    public var isActive: Bool { body != nil }

    public func cancel() {
        body = nil
        box.close()
    }

    private func fire() {
        guard let body else { return }
        if !repeating { cancel() }
        body()
    }
}


extension EventLoop {
    /// Calls `body` once after `afterMilliseconds` (0 means on the next iteration's timer phase).
    @discardableResult
    public func schedule(afterMilliseconds: UInt64, _ body: @escaping () -> Void) -> LoopTimer {
        LoopTimer(loop: self, milliseconds: afterMilliseconds, repeating: false, body: body)
    }

    /// Calls `body` every `everyMilliseconds` until the timer is cancelled.
    @discardableResult
    public func scheduleRepeating(everyMilliseconds: UInt64, _ body: @escaping () -> Void) -> LoopTimer {
        LoopTimer(loop: self, milliseconds: max(everyMilliseconds, 1), repeating: true, body: body)
    }
}
