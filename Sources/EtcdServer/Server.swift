import EventLoop
import Foundation
import GRPC
import HTTP

/// The etcd process: one libuv loop running the member, its gRPC services and the HTTP
/// endpoints on every client URL, until SIGTERM or SIGINT.
public final class EtcdServerProcess {
    public struct Listen: Sendable {
        public var host: String
        public var port: Int
        /// https: TLS with `MemberOptions.security.clientServer`.
        public var secure: Bool
        public init(host: String, port: Int, secure: Bool = false) { self.host = host; self.port = port; self.secure = secure }
    }

    let options: MemberOptions
    private let clientListens: [Listen]
    let log: Logger

    public init(options: MemberOptions, clientListens: [Listen], log: Logger) {
        self.options = options
        self.clientListens = clientListens
        self.log = log
    }

    /// Runs until a signal stops the member; returns the process exit code.
    public func run() -> Int32 {
        let loop: EventLoop
        let member: EtcdMember
        do {
            loop = try EventLoop()
            member = try EtcdMember(options: options, loop: loop, log: log)
        } catch {
            log.error("failed to start the member", ["error": .string("\(error)")])
            return 1
        }
        log.info("starting an etcd server", [
            "etcd-version": .string(EtcdVersion.server), "name": .string(options.name),
            "data-dir": .string(options.dataDirectory), "member-dir": .string(options.memberDirectory),
            "heartbeat-interval": .string("\(options.heartbeatIntervalMilliseconds)ms"),
            "election-timeout": .string("\(options.electionTimeoutMilliseconds)ms"),
            "initial-cluster-token": .string(options.initialClusterToken),
            "advertise-client-urls": .strings(options.advertiseClientURLs),
        ])

        let grpc = GRPCServer(loop: loop, maxReceiveMessageBytes: options.maxRequestBytes + 512 * 1024)
        let gateway = JSONGateway()
        let registry = ServiceRegistry(grpc: grpc, gateway: gateway)
        registry.admission = { member.learnerRefusal(for: $0) }
        registry.certificateUsers = options.security.clientServer?.clientCertAuth == true
        KVService(member: member, maxTxnOps: options.maxTxnOps).register(on: registry)
        WatchService(member: member, maxResponseBytes: options.maxRequestBytes).register(on: registry)
        LeaseService(member: member).register(on: registry)
        MaintenanceService(member: member).register(on: registry)
        ClusterService(member: member).register(on: registry)
        LockService(member: member).register(on: registry)
        ElectionService(member: member).register(on: registry)
        AuthService(member: member).register(on: registry)
        let endpoints = HTTPEndpoints(member: member, metrics: Metrics(grpc: grpc), gateway: gateway)
        let http = HTTPServer(loop: loop) { request, responder in endpoints.handle(request, responder) }
        let mux = ProtocolMux(loop: loop, grpc: grpc) { connection, bytes in http.serve(connection, initialBytes: bytes) }

        var listeners: [TCPListener] = []
        for listen in clientListens {
            do {
                let listener = try TCPListener(loop: loop, host: listen.host, port: listen.port)
                listener.onAccept = try clientAcceptor(listen, loop: loop, mux: mux)
                listeners.append(listener)
            } catch {
                log.error("failed to listen on client URL", ["address": .string("\(listen.host):\(listen.port)"), "error": .string("\(error)")])
                member.stop()
                return 1
            }
        }

        member.onReady = { [log, clientListens] in
            log.info("ready to serve client requests", [:])
            for listen in clientListens {
                let address = LogValue.string("\(listen.host):\(listen.port)")
                if listen.secure {
                    log.info("serving client traffic securely", ["address": address])
                } else {
                    log.info("serving client traffic insecurely; this is strongly discouraged!", ["address": address])
                }
            }
        }
        var signals: [SignalWatcher] = []
        var stopping = false
        func shutdown() {
            for listener in listeners { listener.close() }
            grpc.shutdown()
            member.stop()
            for watcher in signals { watcher.cancel() }
            loop.stop()
        }
        for (signal, name) in [(SIGTERM, "terminated"), (SIGINT, "interrupt")] {
            signals.append(loop.onSignal(signal) { [log] in
                guard !stopping else { return }
                stopping = true
                log.info("received signal; shutting down", ["signal": .string(name)])
                // A leader hands over first, so the others need not wait an election timeout.
                member.handOverLeadershipBeforeStop { shutdown() }
            })
        }
        member.onRemoved = {
            guard !stopping else { return }
            stopping = true
            shutdown()
        }
        member.start()
        loop.run()
        log.info("stopped etcd server", ["name": .string(options.name)])
        return 0
    }
}
