import EtcdClient
import Foundation
import Glibc

/// Runs a command (PATH lookup) with stdout/stderr inherited and waits for it, as Go's
/// exec.Cmd.Run; returns Go's error text on failure.
enum ChildProcess {
    static func run(_ arguments: [String], extraEnvironment: [String]) -> String? {
        let environment = ClientSetup.environOrder() + extraEnvironment
        guard let program = arguments.first else { return nil }
        if !program.contains("/") && lookPath(program) == nil {
            return "exec: \(GoFormat.quote(program)): executable file not found in $PATH"
        }
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        let status = posix_spawnp(&pid, program, nil, nil, argv, envp)
        if status != 0 { return "fork/exec \(program): \(String(cString: strerror(status)))" }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        let exited = waitStatus & 0x7F == 0
        if exited {
            let code = (waitStatus >> 8) & 0xFF
            return code == 0 ? nil : "exit status \(code)"
        }
        return "signal: \(String(cString: strsignal(waitStatus & 0x7F)))"
    }

    static func lookPath(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
