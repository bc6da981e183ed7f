import Glibc

/// Opening an existing WAL: read the segments in order, find where valid data ends, decide
/// whether what follows is a torn tail (repair) or corruption (refuse), and leave the last
/// segment open for appending.
struct WALRecovery {
    let directory: String
    let segmentBytes: Int
    let directoryFD: Int32
    private(set) var segments: [WALSegmentName]

    /// The first invalid frame met, while we check that nothing valid follows it.
    private struct TornPoint {
        var segment: Int
        var offset: Int
        var reason: String
    }

    init(directory: String, segmentBytes: Int, directoryFD: Int32) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.directoryFD = directoryFD
        segments = try WALFile.list(directory).compactMap(WALSegmentName.init(fileName:)).sorted()
        for (previous, next) in zip(segments, segments.dropFirst()) where next.seq != previous.seq + 1 {
            throw WALError(.badSegment, "wal: segment \(path(next)) follows \(path(previous)) but segment \(previous.seq + 1) is missing")
        }
    }

    private func path(_ name: WALSegmentName) -> String { directory + "/" + name.fileName }

    /// Returns all valid records and the open last segment with its append offset.
    mutating func run() throws -> ([WALRecord], (fd: Int32, offset: Int)) {
        if segments.isEmpty { return ([], try createFirstSegment()) }
        var records: [WALRecord] = []
        var torn: TornPoint?
        var appendOffset = WALSegmentScan.headerBytes
        var lastKept = segments.count - 1
        for (i, name) in segments.enumerated() {
            let bytes = try readSegment(name)
            let header = WALSegmentScan.header(of: bytes)
            if header == .wrong {
                throw WALError(.badSegment, "wal: \(path(name)) is not a Keel WAL segment (bad header)")
            }
            // A zeroed header is a segment whose creation was torn: it holds nothing.
            let scan = header == .valid ? WALSegmentScan(bytes: bytes) : nil
            if let torn {
                if let scan, !scan.records.isEmpty || scan.validFrameAfterStop != nil {
                    throw WALError.corrupt(path(segments[torn.segment]), offset: torn.offset,
                                           "\(torn.reason), and valid records follow in \(path(name))")
                }
                continue
            }
            guard let scan else {
                torn = TornPoint(segment: i, offset: 0, reason: "segment header was never written")
                lastKept = i
                appendOffset = WALSegmentScan.headerBytes
                continue
            }
            if let after = scan.validFrameAfterStop {
                let reason: String
                switch scan.stop {
                case .invalid(_, let why): reason = why
                case .end: reason = "zeroed record"
                }
                throw WALError.corrupt(path(name), offset: scan.stopOffset, "\(reason), and a valid record follows at offset \(after)")
            }
            records += scan.records
            appendOffset = scan.stopOffset
            lastKept = i
            if case .invalid(let offset, let reason) = scan.stop {
                torn = TornPoint(segment: i, offset: offset, reason: reason)
            }
        }
        if let torn { try repair(torn, keeping: lastKept) }
        let tail = try openTail(segments[lastKept], offset: appendOffset, rewriteHeader: torn?.offset == 0)
        segments.removeSubrange((lastKept + 1)...)
        return (records, tail)
    }

    private func readSegment(_ name: WALSegmentName) throws -> [UInt8] {
        let fd = try WALFile.open(path(name), flags: O_RDONLY)
        defer { WALFile.close(fd) }
        return try WALFile.readAll(fd, path: path(name))
    }

    private mutating func createFirstSegment() throws -> (fd: Int32, offset: Int) {
        let name = WALSegmentName(seq: 0, firstIndex: 0)
        let fd = try WALSegmentFile.create(path(name), segmentBytes: segmentBytes)
        try WALFile.fullSync(fd, path: path(name))
        try WALFile.fullSync(directoryFD, path: directory)
        segments = [name]
        return (fd, WALSegmentScan.headerBytes)
    }

    /// Cuts the log at the torn point: zero the segment from there on (keeping it
    /// preallocated) and delete the later segments, which hold no valid record.
    private func repair(_ torn: TornPoint, keeping lastKept: Int) throws {
        let name = segments[torn.segment]
        let fd = try WALFile.open(path(name), flags: O_RDWR)
        defer { WALFile.close(fd) }
        let keep = max(torn.offset, 0)
        try WALFile.truncate(fd, to: keep, path: path(name))
        try WALFile.preallocate(fd, size: max(segmentBytes, keep), path: path(name))
        try WALFile.fullSync(fd, path: path(name))
        for later in segments[(lastKept + 1)...] {
            try WALFile.unlink(path(later))
        }
        try WALFile.fullSync(directoryFD, path: directory)
    }

    private func openTail(_ name: WALSegmentName, offset: Int, rewriteHeader: Bool) throws -> (fd: Int32, offset: Int) {
        let fd = try WALFile.open(path(name), flags: O_RDWR)
        if rewriteHeader {
            do {
                try WALSegmentScan.magic.withUnsafeBytes { try WALFile.pwriteAll(fd, $0, at: 0, path: path(name)) }
                try WALFile.fullSync(fd, path: path(name))
            } catch {
                WALFile.close(fd)
                throw error
            }
        }
        return (fd, offset)
    }
}
