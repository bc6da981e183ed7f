import EventLoop

extension EventLoop {
    /// Polls every 20 ms on this loop until `inFlight()` is 0, then runs `done` (the workloads'
    /// drain at the end of a run: each request in flight is bounded by its own timeout).
    func whenDrained(_ inFlight: @escaping () -> Int, _ done: @escaping () -> Void) {
        guard inFlight() == 0 else {
            _ = schedule(afterMilliseconds: 20) { [self] in whenDrained(inFlight, done) }
            return
        }
        done()
    }
}
