import EtcdClient
import Glibc

/// Unbuffered writes to stdout/stderr (etcdctl's output order between the two streams matters
/// only per stream, and nothing is lost at exit).
enum Output {
    static func out(_ text: String) { write(1, Array(text.utf8)) }
    static func err(_ text: String) { write(2, Array(text.utf8)) }
    static func outBytes(_ bytes: [UInt8]) { write(1, bytes) }

    private static func write(_ descriptor: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// etcdctl's exit codes (ctlv3/command/error.go).
enum ExitCode {
    static let success: Int32 = 0
    static let error: Int32 = 1
    static let badConnection: Int32 = 2
    static let invalidInput: Int32 = 3
    static let badFeature: Int32 = 4
    static let interrupted: Int32 = 5
    static let io: Int32 = 6
    static let badArgs: Int32 = 128
}

/// ExitWithError: "Error: <message>" on stderr, then exit.
func exitWithError(_ code: Int32, _ message: String) -> Never {
    Output.err("Error: \(message)\n")
    exit(code)
}

/// The process's stdout/stderr as a printer sink; an unsupported format ends the process.
final class StandardSink: OutputSink {
    func outBytes(_ bytes: [UInt8]) { Output.outBytes(bytes) }
    func err(_ text: String) { Output.err(text) }
    func unsupported(_ message: String) { exitWithError(ExitCode.badFeature, message) }
}
