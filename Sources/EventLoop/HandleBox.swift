import CLibUV

/// Owns the memory of one libuv handle and keeps its Swift owner alive while the handle is open.
///
/// `handle->data` holds a retained reference to the box from `attach()` until libuv's close
/// callback, where the box releases itself, runs `onClosed` and frees the handle memory. This is
/// the only place where handle lifetimes are decided.
final class HandleBox {
    let raw: UnsafeMutableRawPointer
    private let byteCount: Int
    /// The Swift object the C callbacks dispatch to; set to nil once the handle is closed.
    var owner: AnyObject?
    var onClosed: (() -> Void)?
    private(set) var isClosing = false
    private var attached = false

    init<Handle>(_ type: Handle.Type) {
        byteCount = MemoryLayout<Handle>.size
        raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    func pointer<Handle>(_: Handle.Type) -> UnsafeMutablePointer<Handle> {
        raw.assumingMemoryBound(to: Handle.self)
    }

    var handle: UnsafeMutablePointer<uv_handle_t> { pointer(uv_handle_t.self) }
    var stream: UnsafeMutablePointer<uv_stream_t> { pointer(uv_stream_t.self) }

    /// Call once `uv_*_init` succeeded: from then on the memory is released by `close()` only.
    func attach() {
        precondition(!attached)
        attached = true
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// For an init that failed: the handle was never registered with the loop.
    func discardUnattached() {
        precondition(!attached)
        owner = nil
        raw.deallocate()
    }

    static func from(_ data: UnsafeMutableRawPointer?) -> HandleBox {
        Unmanaged<HandleBox>.fromOpaque(data!).takeUnretainedValue()
    }

    static func owner<Owner: AnyObject>(_ data: UnsafeMutableRawPointer?, as: Owner.Type) -> Owner? {
        from(data).owner as? Owner
    }

    func close() {
        guard attached, !isClosing else { return }
        isClosing = true
        uv_close(handle) { handle in
            let box = Unmanaged<HandleBox>.fromOpaque(handle!.pointee.data).takeRetainedValue()
            box.finishClose()
        }
    }

    private func finishClose() {
        let callback = onClosed
        onClosed = nil
        callback?()
        owner = nil
        raw.deallocate()
    }
}
