import CNghttp2

/// Builds nghttp2 name/value arrays. nghttp2 copies them during the submit call, so the
/// storage only has to live for the duration of `body`.
enum HeaderBlock {
    static func withNameValues<R>(_ headers: [(String, String)],
                                  _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        var total = 0
        for (name, value) in headers { total += name.utf8.count + value.utf8.count }
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(total, 1))
        defer { storage.deallocate() }
        var nameValues = [nghttp2_nv]()
        nameValues.reserveCapacity(headers.count)
        var offset = 0
        for (name, value) in headers {
            let nameStart = storage + offset
            for byte in name.utf8 { storage[offset] = byte; offset += 1 }
            let valueStart = storage + offset
            for byte in value.utf8 { storage[offset] = byte; offset += 1 }
            nameValues.append(nghttp2_nv(name: nameStart, value: valueStart, namelen: name.utf8.count,
                                         valuelen: value.utf8.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
        }
        return nameValues.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}
