import ChaosCheckers
import EtcdAPI
import EtcdClient
import Foundation
import Glibc

/// The members of one run, the fault proxy in front of their peer ports, and one admin client
/// per member (status, HashKV, probes). Orchestrating thread only.
final class ChaosCluster {
    let members: [MemberProcess]
    let binary: String
    let token: String
    let environment: [String: String]
    /// Members get a clock control file (ChaosCluster+Clock.swift) when the scenario skews clocks.
    var clockControl = false
    let loopThread: LoopThread
    private let proxy: UncheckedBox<FaultProxy>
    private(set) var admin: [EtcdClient] = []
    /// Raft member ID → index, once learned.
    var memberIDs: [UInt64: Int] = [:]

    init(size: Int, runDir: String, binary: String, seed: UInt64, environment: [String: String], loopThread: LoopThread) throws {
        let ports = FreePorts.take(size * 3)
        members = (0..<size).map { i in
            MemberProcess(index: i, runDir: runDir, ports: (ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]))
        }
        self.binary = binary
        token = "chaos-\(seed)-\(getpid())"
        self.environment = environment
        self.loopThread = loopThread
        let proxy = loopThread.sync { FaultProxy(loop: loopThread.loop, seed: seed) }
        self.proxy = UncheckedBox(proxy)
        for m in members {
            let (listen, target) = (m.proxyPort, m.peerPort)
            let index = m.index
            let error: String? = loopThread.sync {
                do { try proxy.add(member: index, listenPort: listen, targetPort: target); return nil } catch { return "\(error)" }
            }
            if let error { throw ChaosError("fault proxy for m\(index + 1): \(error)") }
        }
        for m in members {
            let config = EtcdClientConfig(endpoints: [Endpoint(host: "127.0.0.1", port: m.clientPort)], dialTimeoutMilliseconds: 500,
                                          requestTimeoutMilliseconds: 1000, reconnectBackoffMilliseconds: 50)
            admin.append(try EtcdClient(config: config))
        }
    }

    var initialCluster: String { members.map { "\($0.name)=\($0.advertisedPeerURL)" }.joined(separator: ",") }
    var endpoints: [Endpoint] { members.map { Endpoint(host: "127.0.0.1", port: $0.clientPort) } }

    func start(_ m: MemberProcess) throws {
        try m.start(binary: binary, initialCluster: initialCluster, token: token, environment: try environment(for: m))
    }

    func startAll() throws {
        for m in members { try start(m) }
    }

    /// Bounded wait until every member serves a linearizable read; then learns member IDs.
    func waitHealthy(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        for (i, m) in members.enumerated() {
            var request = Etcdserverpb_RangeRequest()
            request.key = Data("health".utf8)
            while true {
                if (try? admin[i].get(request, timeout: .milliseconds(1000))) != nil { break }
                if Date() > deadline || !m.isRunning { return false }
                usleep(100_000)
            }
        }
        if let list = try? admin[0].memberList(timeout: .milliseconds(2000)) {
            for member in list.members {
                if let index = members.firstIndex(where: { $0.name == member.name }) { memberIDs[member.id] = index }
            }
        }
        let ids = memberIDs
        let proxy = self.proxy
        loopThread.sync { proxy.value.learn(memberIDs: ids) }
        return memberIDs.count == members.count
    }

    /// The leader's index, from the members' own status (the highest term's answer wins).
    func leader() -> Int? {
        var best: (term: UInt64, leader: UInt64)?
        for (i, m) in members.enumerated() where m.isRunning && !m.paused {
            guard let status = try? admin[i].status(timeout: .milliseconds(500)), status.leader != 0 else { continue }
            if best == nil || status.raftTerm > best!.term { best = (status.raftTerm, status.leader) }
        }
        return best.flatMap { memberIDs[$0.leader] }
    }

    func withProxy(_ body: @escaping (FaultProxy) -> Void) {
        let proxy = self.proxy
        loopThread.sync { body(proxy.value) }
    }

    var proxyResets: Int {
        let proxy = self.proxy
        return loopThread.sync { proxy.value.resets }
    }

    var unattributedConnections: Int {
        let proxy = self.proxy
        return loopThread.sync { proxy.value.unattributed }
    }

    func shutdown() {
        for c in admin { c.close() }
        for m in members { m.stop() }
        withProxy { $0.stop() }
    }
}

struct ChaosError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
