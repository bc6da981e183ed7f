import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension EtcdIntegration {
    /// What a finished child process left behind. `exitCode` is the exit status, or 128+signal
    /// when the child died from a signal (the shell's convention, so a killed watcher reads as 143).
    struct CommandResult: Sendable, Equatable {
        var stdout: String
        var stderr: String
        var exitCode: Int32
        var timedOut: Bool
    }

    /// A child process whose stdout and stderr go to files (never pipes: a chatty child can't
    /// deadlock us), optionally fed from a pipe we keep open for interactive commands.
    final class ChildProcess {
        let process = Process()
        let stdoutPath: String
        let stderrPath: String
        private var stdinPipe: Pipe?
        private var stdinPath: String?

        /// Starts `executable` with `arguments`. `stdin`: nil → /dev/null; `.text(s)` → the bytes of
        /// `s` then EOF; `.pipe` → an open pipe written with `write(_:)` and closed with `closeStdin()`.
        init(executable: String, arguments: [String], environment: [String: String],
             stdin: StdinSource = .none, outputDirectory: String, label: String) throws {
            let base = outputDirectory + "/" + label + "-" + UUID().uuidString.prefix(8)
            stdoutPath = base + ".stdout"
            stderrPath = base + ".stderr"
            _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            switch stdin {
            case .none:
                process.standardInput = FileHandle.nullDevice
            case .text(let text):
                let path = base + ".stdin"
                stdinPath = path
                _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
                process.standardInput = FileHandle(forReadingAtPath: path)
            case .pipe:
                let pipe = Pipe()
                stdinPipe = pipe
                process.standardInput = pipe
            }
            try Self.withEmptySignalMask { try process.run() }
        }

        /// Children inherit the spawning thread's blocked-signal mask, and test code runs on
        /// dispatch worker threads that block most signals (SIGTERM included). Spawn with an
        /// empty mask, as a shell or systemd would, so a SIGTERM test means what it says.
        static func withEmptySignalMask<T>(_ body: () throws -> T) rethrows -> T {
            var empty = sigset_t()
            var previous = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, &previous)
            defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
            return try body()
        }

        enum StdinSource { case none, text(String), pipe }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }

        func write(_ text: String) {
            stdinPipe?.fileHandleForWriting.write(Data(text.utf8))
        }

        func closeStdin() {
            try? stdinPipe?.fileHandleForWriting.close()
            stdinPipe = nil
        }

        func signal(_ sig: Int32) {
            if process.isRunning { kill(process.processIdentifier, sig) }
        }

        /// Waits at most `timeout` seconds for the child to exit; returns whether it did.
        @discardableResult
        func waitForExit(timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(5_000) }
            return !process.isRunning
        }

        /// Waits for the exit (killing the child with SIGKILL after `timeout`) and collects its output.
        func finish(timeout: Double) -> CommandResult {
            var timedOut = false
            if !waitForExit(timeout: timeout) {
                timedOut = true
                signal(SIGKILL)
            }
            process.waitUntilExit()
            closeStdin()
            let code: Int32 = process.terminationReason == .uncaughtSignal
                ? 128 + process.terminationStatus : process.terminationStatus
            let result = CommandResult(stdout: currentStdout(), stderr: currentStderr(), exitCode: code, timedOut: timedOut)
            removeFiles()
            return result
        }

        /// Hundreds of commands run per session: their files go once read (unless
        /// KEEL_ITEST_KEEP=1 asks to keep everything for a post-mortem).
        private func removeFiles() {
            guard ProcessInfo.processInfo.environment["KEEL_ITEST_KEEP"] != "1" else { return }
            for path in [stdoutPath, stderrPath] + (stdinPath.map { [$0] } ?? []) {
                try? FileManager.default.removeItem(atPath: path)
            }
        }

        func currentStdout() -> String { Self.read(stdoutPath) }
        func currentStderr() -> String { Self.read(stderrPath) }

        static func read(_ path: String) -> String {
            guard let data = FileManager.default.contents(atPath: path) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }

        /// The caller's environment without any ETCD_/ETCDCTL_ variable (they would silently
        /// configure the child), plus `extra`.
        static func cleanEnvironment(adding extra: [String: String] = [:]) -> [String: String] {
            var env = ProcessInfo.processInfo.environment.filter { key, _ in
                !key.hasPrefix("ETCD_") && !key.hasPrefix("ETCDCTL_")
            }
            for (key, value) in extra { env[key] = value }
            return env
        }
    }

    /// Runs a command to completion (killed after `timeout` seconds).
    static func runCommand(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = ChildProcess.cleanEnvironment(),
                    timeout: Double = 20, outputDirectory: String = IntegrationPaths.scratch) throws -> CommandResult {
        let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                     stdin: stdin.map { .text($0) } ?? .none,
                                     outputDirectory: outputDirectory, label: URL(fileURLWithPath: executable).lastPathComponent)
        return child.finish(timeout: timeout)
    }
}
