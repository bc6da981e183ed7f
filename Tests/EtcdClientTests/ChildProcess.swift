import Foundation
import Glibc

/// A child process with piped stdin, stdout and stderr (posix_spawn: Foundation.Process leaks
/// under LeakSanitizer).
final class ChildProcess {
    let pid: pid_t
    private var stdinFD: Int32
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private var stdout: [UInt8] = []
    private var stderr: [UInt8] = []
    private var exitStatus: Int32?

    struct Result: Equatable {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    init(_ arguments: [String], environment: [String: String] = [:], stdoutToNull: Bool = false) throws {
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        if stdoutToNull {
            // Servers log a lot: nobody drains their pipes, so their output goes nowhere.
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        }
        for fd in [inPipe[1], outPipe[0], errPipe[0], inPipe[0], outPipe[1], errPipe[1]] {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var merged = ProcessInfo.processInfo.environment
        merged = merged.filter { !$0.key.hasPrefix("ETCDCTL_") && !$0.key.hasPrefix("ETCD_") }
        for (key, value) in environment { merged[key] = value }
        let envStrings = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }
        let cArguments = arguments.map { strdup($0) } + [nil]
        let cEnvironment = envStrings.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        // The test runner may block or ignore signals; children start with a clean slate so
        // that SIGTERM stops a server.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t(), defaults = sigset_t()
        sigemptyset(&emptySet)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, cEnvironment)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        self.pid = pid
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        _ = fcntl(stdoutFD, F_SETFL, O_NONBLOCK)
        _ = fcntl(stderrFD, F_SETFL, O_NONBLOCK)
    }

    deinit {
        if exitStatus == nil { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        closeStdin()
        close(stdoutFD); close(stderrFD)
    }

    func write(_ text: String) {
        guard stdinFD >= 0 else { return }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
    }

    /// Closes stdin once (a second close could hit a descriptor another thread just opened).
    func closeStdin() {
        guard stdinFD >= 0 else { return }
        close(stdinFD)
        stdinFD = -1
    }

    /// What the child has written to stdout so far (it keeps running).
    func currentStdout() -> String {
        drain()
        return String(decoding: stdout, as: UTF8.self)
    }

    /// Drains what the child has written so far.
    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        for (fd, isOut) in [(stdoutFD, true), (stderrFD, false)] {
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 { break }
                if isOut { stdout += buffer[0..<count] } else { stderr += buffer[0..<count] }
            }
        }
    }

    /// Waits for exit (killing the child after `timeoutSeconds`), collecting its output.
    func wait(timeoutSeconds: Double = 20) -> Result {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while exitStatus == nil {
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 20)
            drain()
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            } else if Date() > deadline {
                kill(pid, SIGKILL)
            }
        }
        drain()
        return Result(stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
                      status: exitStatus ?? -1)
    }

    func terminate(signal: Int32 = SIGKILL) -> Result {
        if exitStatus == nil { kill(pid, signal) }  // never signal a pid already reaped
        return wait()
    }

    /// Runs a command to completion with `input` on stdin.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Result {
        let child = try ChildProcess(arguments, environment: environment)
        child.write(input)
        child.closeStdin()
        return child.wait()
    }
}

/// A free loopback TCP port: a random one below the kernel's ephemeral range (32768-60999) that
/// can be bound now, so no outgoing connection's local port can take it before the server binds.
func freeLoopbackPort() -> Int {
    for _ in 0..<200 {
        let port = UInt16.random(in: 15_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return Int(port) }
    }
    preconditionFailure("no free loopback port below the ephemeral range after 200 attempts")
}
