/// Reads the records of one segment and says where and why it stopped. Pure over bytes, so
/// the torn-tail and corruption rules can be tested without files.
struct WALSegmentScan {
    enum Stop: Equatable {
        /// Zero-filled space (or the end of the file) after the last record: a clean end.
        case end(offset: Int)
        /// A frame that is cut short, overwritten or fails its checksum.
        case invalid(offset: Int, reason: String)
    }

    var records: [WALRecord]
    var stop: Stop
    /// The aligned offset of a valid frame found after `stop`, if any. Valid data after the
    /// stop point means the damage is in the middle of the log, not at its torn end.
    var validFrameAfterStop: Int?

    /// Every segment starts with this magic, written when the segment is created.
    static let magic: [UInt8] = Array("KEELWAL1".utf8)
    static var headerBytes: Int { magic.count }

    enum HeaderState { case valid, zeroed, wrong }

    static func header(of bytes: [UInt8]) -> HeaderState {
        if bytes.count >= headerBytes && Array(bytes[0..<headerBytes]) == magic { return .valid }
        return bytes.allSatisfy({ $0 == 0 }) ? .zeroed : .wrong
    }

    /// Decodes the records of a segment whose header is valid.
    init(bytes: [UInt8]) {
        var records: [WALRecord] = []
        var stop = Stop.end(offset: bytes.count)
        var after: Int?
        bytes.withUnsafeBytes { raw in
            var offset = WALSegmentScan.headerBytes
            scanning: while true {
                switch WALFrame.decode(raw, at: offset) {
                case .record(let record, let frameBytes):
                    records.append(record)
                    offset += frameBytes
                case .end:
                    stop = .end(offset: offset)
                    break scanning
                case .invalid(let reason):
                    stop = .invalid(offset: offset, reason: reason)
                    break scanning
                }
            }
            after = WALFrame.nextValidFrame(raw, after: offset + WALFrame.alignment)
        }
        self.records = records
        self.stop = stop
        self.validFrameAfterStop = after
    }

    var stopOffset: Int {
        switch stop {
        case .end(let offset), .invalid(let offset, _): return offset
        }
    }
}
