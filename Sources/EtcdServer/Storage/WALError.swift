/// Every failure of the write-ahead log. `description` is the message an operator sees, so it
/// always names the file (and offset, for corruption) involved.
public struct WALError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// A system call failed; `errno` is in the message.
        case io
        /// A record that is not the torn tail of the log failed its checksum or framing.
        case corrupt
        /// Another process holds the WAL directory.
        case locked
        /// A file in the directory is not a segment Keel can read.
        case badSegment
        /// A record is intact but its content makes no sense to the layer reading it.
        case malformedRecord
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func io(_ operation: String, _ path: String, errno number: Int32) -> WALError {
        WALError(.io, "wal: \(operation) \(path): \(String(cString: strerror(number))) (errno \(number))")
    }

    /// A record of a type the reader does not know (for the layers that interpret payloads).
    public static func unknownRecordType(_ type: UInt8) -> WALError {
        WALError(.malformedRecord, "wal: unknown record type \(type)")
    }

    /// An intact record whose payload cannot be decoded (for the layers that interpret payloads).
    public static func malformedRecord(_ detail: String) -> WALError {
        WALError(.malformedRecord, "wal: malformed record: \(detail)")
    }

    static func corrupt(_ path: String, offset: Int, _ reason: String) -> WALError {
        WALError(.corrupt, "wal: corrupt record at \(path) offset \(offset): \(reason)")
    }
}

import Glibc
