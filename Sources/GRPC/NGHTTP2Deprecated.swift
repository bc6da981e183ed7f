import CNghttp2

// The nghttp2 calls that nghttp2 1.60 deprecates in favour of `*2` variants (mem_send2,
// mem_recv2, nghttp2_data_provider2, submit_response2, submit_request2) live here and only
// here, so moving to the new API is a change to this one file.

extension H2Session {
    /// Feeds received bytes to nghttp2; returns the number consumed or throws on a fatal error.
    func receive(_ bytes: UnsafeRawBufferPointer) throws(H2Error) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let consumed = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if consumed < 0 { throw H2Error(code: Int32(consumed), operation: "nghttp2_session_mem_recv") }
    }

    /// The next chunk of serialized frames (valid until the next call), or an empty buffer.
    func nextOutput() throws(H2Error) -> UnsafeRawBufferPointer {
        var data: UnsafePointer<UInt8>?
        let count = nghttp2_session_mem_send(session, &data)
        if count < 0 { throw H2Error(code: Int32(count), operation: "nghttp2_session_mem_send") }
        return UnsafeRawBufferPointer(start: data, count: count)
    }

    private static func dataProvider() -> nghttp2_data_provider {
        var provider = nghttp2_data_provider()
        provider.source.ptr = nil
        provider.read_callback = { _, streamID, buffer, length, flags, _, userData in
            H2Session.from(userData).readOutbound(streamID: streamID, into: buffer!, length: length, flags: flags!)
        }
        return provider
    }

    /// Server: response headers. With `hasBody` the stream's outbound queue feeds DATA frames;
    /// without it the header block ends the stream (trailers-only).
    func submitResponse(streamID: Int32, headers: [(String, String)], hasBody: Bool) throws(H2Error) {
        var provider = H2Session.dataProvider()
        let status = HeaderBlock.withNameValues(headers) { nva, count in
            hasBody ? nghttp2_submit_response(session, streamID, nva, count, &provider)
                    : nghttp2_submit_response(session, streamID, nva, count, nil)
        }
        try H2Error.check(status, "nghttp2_submit_response")
    }

    /// Client: a request whose body comes from the stream's outbound queue. Returns the stream ID.
    func submitRequest(headers: [(String, String)]) throws(H2Error) -> Int32 {
        var provider = H2Session.dataProvider()
        let streamID = HeaderBlock.withNameValues(headers) { nva, count in
            nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        try H2Error.check(streamID, "nghttp2_submit_request")
        return streamID
    }
}
