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
    /// Flags every start adds (the scenario's, e.g. a small --snapshot-count).
    var extraArguments: [String] = []
    private var process: Process?
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
    var isRunning: Bool { process?.isRunning ?? false }
    var pid: Int32? { process.map(\.processIdentifier) }

    func start(binary: String, initialCluster: String, token: String, environment: [String: String]) throws {
        precondition(!isRunning, "\(name) is already running")
        let clientURL = "http://127.0.0.1:\(clientPort)"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = [
            "--name", name, "--data-dir", dataDir,
            "--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
            "--listen-peer-urls", "http://127.0.0.1:\(peerPort)", "--initial-advertise-peer-urls", advertisedPeerURL,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token,
            "--initial-cluster-state", "new",
        ] + extraArguments
        p.environment = environment
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        log.write(Data("=== chaos: start #\(starts + 1) of \(name)\n".utf8))
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try Self.withEmptySignalMask { try p.run() }
        ChildRegistry.add(p.processIdentifier)
        process = p
        paused = false
        starts += 1
    }

    /// Sends `signal`; SIGKILL and SIGTERM also wait (bounded) for the exit.
    func signal(_ sig: Int32) {
        guard let p = process, p.isRunning else { return }
        if paused && (sig == SIGKILL || sig == SIGTERM) { kill(p.processIdentifier, SIGCONT) }
        kill(p.processIdentifier, sig)
        switch sig {
        case SIGSTOP: paused = true
        case SIGCONT: paused = false
        case SIGKILL, SIGTERM:
            paused = false
            defer { if !p.isRunning { ChildRegistry.remove(p.processIdentifier) } }
            waitForExit(seconds: 10)
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                waitForExit(seconds: 5)
            }
        default: break
        }
    }

    private func waitForExit(seconds: Double) {
        guard let p = process else { return }
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(5_000) }
    }

    /// Kills the process if it still runs (the end of a run, or an error path).
    func stop() {
        if paused, let pid { kill(pid, SIGCONT) }
        signal(SIGKILL)
        process?.waitUntilExit()
        if let pid { ChildRegistry.remove(pid) }
    }

    /// Children inherit the spawning thread's blocked signals: spawn with an empty mask so a
    /// SIGTERM means what it says.
    static func withEmptySignalMask<T>(_ body: () throws -> T) rethrows -> T {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
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
