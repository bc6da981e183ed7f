import CLibUV

/// One unit of `uv_queue_work`: `run()` on a threadpool thread, then `complete()` on the loop.
class WorkItem: @unchecked Sendable {
    // @unchecked Sendable: libuv orders the two phases (work_cb happens-before after_work_cb),
    // so the result written on the pool thread is read on the loop thread without a race.
    func run() {}
    func complete() {}
}

final class TypedWorkItem<T: Sendable>: WorkItem, @unchecked Sendable {
    private let work: @Sendable () -> T
    private let completion: (T) -> Void
    private var result: T?

    init(work: @escaping @Sendable () -> T, completion: @escaping (T) -> Void) {
        self.work = work
        self.completion = completion
    }

    override func run() { result = work() }

    override func complete() {
        guard let result else { preconditionFailure("threadpool work completed without running") }
        completion(result)
    }
}

extension EventLoop {
    /// Runs `work` on libuv's threadpool (blocking calls: fsync, LMDB commits, file copies) and
    /// then `completion` with its result on the loop thread.
    public func submitWork<T: Sendable>(_ work: @escaping @Sendable () -> T, completion: @escaping (T) -> Void) {
        let item: WorkItem = TypedWorkItem(work: work, completion: completion)
        let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        request.initialize(to: uv_work_t())
        request.pointee.data = Unmanaged.passRetained(item).toOpaque()
        let status = uv_queue_work(uv, request, { request in
            Unmanaged<WorkItem>.fromOpaque(request!.pointee.data).takeUnretainedValue().run()
        }, { request, _ in
            let item = Unmanaged<WorkItem>.fromOpaque(request!.pointee.data).takeRetainedValue()
            request!.deallocate()
            item.complete()
        })
        LoopError.mustSucceed(status, "uv_queue_work")
    }
}
