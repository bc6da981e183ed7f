import EtcdClient
import Foundation

/// bufio.Reader.ReadString('\n') over stdin: a line with its newline, or nil at end of input
/// (a final line without a newline counts as end of input, as Go returns io.EOF with it).
final class LineReader {
    private var buffer: [UInt8] = []
    private var atEnd = false
    private let handle: FileHandle

    init(handle: FileHandle = .standardInput) { self.handle = handle }

    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[...newline])
                buffer.removeSubrange(...newline)
                return String(decoding: line, as: UTF8.self)
            }
            if atEnd { return nil }
            let chunk = handle.availableData
            if chunk.isEmpty { atEnd = true } else { buffer += chunk }
        }
    }

    /// What is left of the input (put's value from stdin inside a txn).
    func readRest() -> [UInt8] {
        while !atEnd {
            let chunk = handle.availableData
            if chunk.isEmpty { atEnd = true } else { buffer += chunk }
        }
        defer { buffer.removeAll() }
        return buffer
    }
}
