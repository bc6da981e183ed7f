import CLibUV

/// Calls a body on the loop thread whenever the process receives a signal.
public final class SignalWatcher {
    private let box: HandleBox
    private var body: (() -> Void)?

    init(loop: EventLoop, signal: Int32, body: @escaping () -> Void) {
        self.body = body
        box = HandleBox(uv_signal_t.self)
        box.owner = self
        let handle = box.pointer(uv_signal_t.self)
        LoopError.mustSucceed(uv_signal_init(loop.uv, handle), "uv_signal_init")
        box.attach()
        let status = uv_signal_start(handle, { handle, _ in
            HandleBox.owner(handle!.pointee.data, as: SignalWatcher.self)?.body?()
        }, signal)
        LoopError.mustSucceed(status, "uv_signal_start")
        // A signal watcher alone does not keep the loop alive.
        uv_unref(box.handle)
    }

    public func cancel() {
        body = nil
        box.close()
    }
}

extension EventLoop {
    @discardableResult
    public func onSignal(_ signal: Int32, _ body: @escaping () -> Void) -> SignalWatcher {
        SignalWatcher(loop: self, signal: signal, body: body)
    }
}
