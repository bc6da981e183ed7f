import Foundation
import Glibc

/// Severity of a log line, with etcd's (zap's) names.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warn, error, panic, fatal

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        case .panic: "panic"
        case .fatal: "fatal"
        }
    }

    /// Parses `--log-level` values as etcd accepts them.
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Structured JSON log lines in the shape of etcd's zap logger:
///
///     {"level":"info","ts":"2026-11-26T23:59:59.123Z","caller":"Member/EtcdMember.swift:42","msg":"...","k":"v"}
///
/// Fields keep the order they are given in. Each line is formatted first and then written
/// with one write(2) under a lock, so lines from different threads never interleave.
public final class Logger: @unchecked Sendable {
    public let minimumLevel: LogLevel
    private let fds: [Int32]
    private let clock: @Sendable () -> Date
    private let lock = NSLock()

    /// - Parameters:
    ///   - level: lines below it are dropped.
    ///   - fd: where lines go (stderr by default, like etcd).
    ///   - clock: the time stamped on each line (injected by tests).
    public init(level: LogLevel = .info, fd: Int32 = 2, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.minimumLevel = level
        self.fds = [fd]
        self.clock = clock
    }

    /// A logger for etcd's `--log-outputs`: `default` and `stderr` are stderr, `stdout` is
    /// stdout, `systemd/journal` is stderr too (journald captures it under systemd), anything
    /// else a file opened for appending (created if absent).
    public init(level: LogLevel, outputs: [String], clock: @escaping @Sendable () -> Date = { Date() }) throws(ConfigError) {
        var fds: [Int32] = []
        for output in outputs.isEmpty ? ["default"] : outputs {
            switch output {
            case "default", "stderr", "systemd/journal": fds.append(2)
            case "stdout": fds.append(1)
            default:
                let fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    throw ConfigError("failed to open log output \(output): \(String(cString: strerror(errno)))")
                }
                fds.append(fd)
            }
        }
        self.minimumLevel = level
        self.fds = Array(Set(fds)).sorted()
        self.clock = clock
    }

    public func debug(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:], file: String = #fileID, line: Int = #line) {
        log(.debug, msg, fields, file: file, line: line)
    }

    public func info(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:], file: String = #fileID, line: Int = #line) {
        log(.info, msg, fields, file: file, line: line)
    }

    public func warn(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:], file: String = #fileID, line: Int = #line) {
        log(.warn, msg, fields, file: file, line: line)
    }

    public func error(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:], file: String = #fileID, line: Int = #line) {
        log(.error, msg, fields, file: file, line: line)
    }

    /// Logs at `fatal` and exits with status 1, as zap's Fatal does.
    public func fatal(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:], file: String = #fileID, line: Int = #line) -> Never {
        log(.fatal, msg, fields, file: file, line: line)
        exit(1)
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= minimumLevel }

    public func log(_ level: LogLevel, _ msg: String, _ fields: KeyValuePairs<String, LogValue>, file: String = #fileID, line: Int = #line) {
        guard isEnabled(level) else { return }
        emit(level, msg, fields.map { ($0.key, $0.value) }, file: file, line: line)
    }

    /// Logs fields built at run time.
    public func log(_ level: LogLevel, _ msg: String, fields: [LogField], file: String = #fileID, line: Int = #line) {
        guard isEnabled(level) else { return }
        emit(level, msg, fields.map { ($0.key, $0.value) }, file: file, line: line)
    }

    /// Writes text as is (usage messages that etcd prints unformatted), under the same lock.
    public func writeRaw(_ text: String) { write(text) }

    private func emit(_ level: LogLevel, _ msg: String, _ fields: [(String, LogValue)], file: String, line: Int) {
        write(Logger.format(level: level, time: clock(), caller: Logger.caller(file: file, line: line), msg: msg, fields: fields))
    }

    /// One JSON object and a newline.
    static func format(level: LogLevel, time: Date, caller: String, msg: String, fields: [(String, LogValue)]) -> String {
        var out = "{\"level\":\"\(level.name)\",\"ts\":\""
        out += timestamp(time)
        out += "\",\"caller\":"
        JSONText.appendQuoted(caller, to: &out)
        out += ",\"msg\":"
        JSONText.appendQuoted(msg, to: &out)
        for (key, value) in fields {
            out += ","
            JSONText.appendQuoted(key, to: &out)
            out += ":"
            value.writeJSON(to: &out)
        }
        out += "}\n"
        return out
    }

    /// zap's short caller: the last directory and the file, e.g. `Member/EtcdMember.swift:42`.
    static func caller(file: String, line: Int) -> String {
        let parts = file.split(separator: "/")
        let short = parts.suffix(2).joined(separator: "/")
        return "\(short):\(line)"
    }

    /// ISO 8601 in UTC with milliseconds, as etcd's zap config prints `ts`.
    static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let ms = Int32(millis % 1000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(ms, 3))Z"
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        lock.lock()
        defer { lock.unlock() }
        for fd in fds { Logger.writeAll(fd, bytes) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return  // nowhere left to report a failing log write
            }
            done += n
        }
    }
}
