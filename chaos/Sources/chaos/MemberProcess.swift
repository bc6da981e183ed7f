import Foundation
import Glibc

/// One Keel `etcd` process of a chaos cluster: its ports, data dir and log (appended across
/// restarts), and the signals the nemesis sends it.
final class MemberProcess {
    let index: Int
    let name: String
    let clientPort: Int
    /// The port the member really listens on for peers.
    let peerPort: Int
    /// The port it advertises (the fault proxy's listener in front of `peerPort`).
    let proxyPort: Int
    let dataDir: String
    let logPath: String
    /// "new" for the first members; "existing" once the member was removed and added back
    /// (a restart with a data dir ignores it either way).
    var initialClusterState = "new"
    /// Flags every start adds (the scenario's, e.g. a small --snapshot-count).
    var extraArguments: [String] = []
    /// Our child while it is not reaped (`ChildRegistry` guards every signal with this).
    private var child: Int32?
    /// The wait status of the last exit we reaped.
    private(set) var lastExitStatus: Int32?
    private(set) var paused = false
    private(set) var starts = 0

    init(index: Int, runDir: String, ports: (client: Int, peer: Int, proxy: Int)) {
        self.index = index
        name = "m\(index + 1)"
        clientPort = ports.client
        peerPort = ports.peer
        proxyPort = ports.proxy
        dataDir = runDir + "/" + name + ".etcd"
        logPath = runDir + "/" + name + ".log"
    }

    var endpoint: String { "127.0.0.1:\(clientPort)" }
    var advertisedPeerURL: String { "http://127.0.0.1:\(proxyPort)" }
    /// Reaps the child if it exited, so the answer is current.
    var isRunning: Bool {
        guard let pid = child else { return false }
        if let status = ChildRegistry.reapIfExited(pid) {
            child = nil
            lastExitStatus = status
            paused = false
        }
        return child != nil
    }

    func start(binary: String, initialCluster: String, token: String, environment: [String: String]) throws {
        precondition(!isRunning, "\(name) is already running")
        let clientURL = "http://127.0.0.1:\(clientPort)"
        let arguments = [
            "--name", name, "--data-dir", dataDir,
            "--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
            "--listen-peer-urls", "http://127.0.0.1:\(peerPort)", "--initial-advertise-peer-urls", advertisedPeerURL,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token,
            "--initial-cluster-state", initialClusterState,
        ] + extraArguments
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw ChaosError("cannot open \(logPath): errno \(errno)") }
        defer { close(log) }
        let marker = "=== chaos: start #\(starts + 1) of \(name) (\(initialClusterState))\n"
        _ = marker.withCString { write(log, $0, strlen($0)) }
        let pid = try Self.spawn(binary, arguments: arguments, environment: environment, output: log)
        ChildRegistry.add(pid)
        child = pid
        lastExitStatus = nil
        paused = false
        starts += 1
    }

    /// posix_spawn with stdout and stderr on `output`, stdin on /dev/null, an empty signal
    /// mask and default dispositions (the harness ignores SIGINT/SIGTERM itself, and both
    /// would be inherited: a SIGTERM must mean what it says). We reap the child ourselves.
    private static func spawn(_ binary: String, arguments: [String], environment: [String: String], output: Int32) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigemptyset(&all)
        for sig in 1..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&all, Int32(sig)) }
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw ChaosError("cannot start \(binary): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Sends `signal` to our child (never to a reaped PID); SIGKILL, SIGTERM and SIGQUIT also
    /// wait (bounded) for the exit, and kill it if it outlives the wait.
    func signal(_ sig: Int32) {
        guard isRunning, let pid = child else { return }
        let ending = sig == SIGKILL || sig == SIGTERM || sig == SIGQUIT
        if paused && ending { ChildRegistry.signal(pid, SIGCONT) }
        ChildRegistry.signal(pid, sig)
        switch sig {
        case SIGSTOP: paused = true
        case SIGCONT: paused = false
        case _ where ending:
            paused = false
            waitForExit(seconds: 10)
            if isRunning {
                ChildRegistry.signal(pid, SIGKILL)
                waitForExit(seconds: 5)
            }
        default: break
        }
    }

    private func waitForExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { usleep(5_000) }
    }

    /// Kills the process if it still runs (the end of a run, or an error path).
    func stop() {
        signal(SIGKILL)
    }

    /// Deletes the member's data (it must be stopped): it will start as a new member.
    func removeData() throws {
        precondition(!isRunning, "\(name) must be stopped before its data is removed")
        if FileManager.default.fileExists(atPath: dataDir) { try FileManager.default.removeItem(atPath: dataDir) }
    }
}

/// Free loopback ports below the kernel's ephemeral range (32768-60999): a member restarted
/// after a kill binds its ports again, and a port in the ephemeral range could meanwhile be the
/// local end of some outgoing connection. Each is held bound until the batch is complete, so
/// the ports are distinct.
enum FreePorts {
    static func take(_ count: Int) -> [Int] {
        var fds: [Int32] = []
        var ports: [Int] = []
        defer { for fd in fds { close(fd) } }
        for _ in 0..<(count * 100) where ports.count < count {
            let port = UInt16.random(in: 15_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = port.bigEndian
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { close(fd); continue }
            ports.append(Int(port))
            fds.append(fd)
        }
        precondition(ports.count == count, "chaos: no \(count) free loopback ports below the ephemeral range")
        return ports
    }
}
