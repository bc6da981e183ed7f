import Dispatch
import EtcdAPI
import EventLoop
import Foundation
import Glibc
import GRPC
import Synchronization

/// A value confined to the client's loop thread, carried through `executeFromAnyThread`.
/// @unchecked Sendable: it is only dereferenced inside bodies that run on that loop thread.
struct LoopConfined<Value>: @unchecked Sendable {
    let value: Value
}

/// The blocking etcd client for command-line tools: owns one `EventLoop` on a background
/// thread; each method sends its request there and blocks the calling thread until the answer.
/// Thread-safe. `withConnection` gives loop-thread code (watch, keepalive) the callback API.
public final class EtcdClient: Sendable {
    public let loop: EventLoop
    private let connection: LoopConfined<EtcdConnection>
    private let stopped = DispatchSemaphore(value: 0)
    private let closed = Mutex(false)
    /// The loop thread's id, so that `close()` from a loop callback does not wait for itself.
    private let loopThread = ThreadRecord()
    public let config: EtcdClientConfig

    public init(config: EtcdClientConfig) throws(EtcdError) {
        self.config = config
        do { loop = try EventLoop() } catch {
            throw EtcdError(code: .internalError, message: "\(error)")
        }
        // Created before the loop thread starts, so still on the creating thread.
        connection = LoopConfined(value: EtcdConnection(loop: loop, config: config))
        let loop = self.loop
        let stopped = self.stopped
        let loopThread = self.loopThread
        let thread = Thread {
            loopThread.recordCurrent()
            loop.run()
            stopped.signal()
        }
        thread.name = "etcd-client-loop"
        thread.start()
    }

    deinit { close() }

    /// Runs `body` on the loop thread with the callback API.
    public func withConnection(_ body: @escaping @Sendable (EtcdConnection) -> Void) {
        let connection = self.connection
        loop.executeFromAnyThread { body(connection.value) }
    }

    /// Runs `start` on the loop thread and blocks until it calls its `finish` argument.
    public func blocking<T: Sendable>(_ start: @escaping @Sendable (EtcdConnection, @escaping @Sendable (T) -> Void) -> Void) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<T?>(nil)
        withConnection { connection in
            start(connection) { value in
                box.withLock { if $0 == nil { $0 = value } }
                done.signal()
            }
        }
        done.wait()
        return box.withLock { $0! }
    }

    /// One unary request, blocking.
    public func call<Req, Resp>(_ rpc: EtcdRPC<Req, Resp>, _ request: Req,
                                timeout: RequestTimeout = .configured) throws(EtcdError) -> Resp {
        let result: Result<Resp, EtcdError> = blocking { connection, finish in
            connection.call(rpc, request, timeout: timeout) { finish($0) }
        }
        return try result.get()
    }

    /// Stops the loop thread; requests still waiting fail with `EtcdError.canceled`.
    public func close() {
        let first = closed.withLock { wasClosed in
            defer { wasClosed = true }
            return !wasClosed
        }
        guard first else { return }
        let connection = self.connection
        let loop = self.loop
        loop.executeFromAnyThread {
            connection.value.close()
            loop.stop()
        }
        if !loopThread.isCurrent { stopped.wait() }
    }
}

/// Which thread runs the loop.
final class ThreadRecord: Sendable {
    private let thread = Mutex<pthread_t?>(nil)

    func recordCurrent() { thread.withLock { $0 = pthread_self() } }

    var isCurrent: Bool { thread.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }
}
