import HTTP
import KVStore

/// The HTTP/1.1 side of the client port: /health, /version and /metrics.
struct HTTPEndpoints {
    let member: EtcdMember
    let metrics: Metrics
    let gateway: JSONGateway

    func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let json = [("Content-Type", "application/json")]
        if gateway.handle(request, responder, nowMilliseconds: member.loop.nowMilliseconds) { return }
        switch (request.method, request.path) {
        case ("GET", "/version"):
            responder.respond(status: 200, headers: json,
                              body: Array(#"{"etcdserver":"\#(EtcdVersion.server)","etcdcluster":"\#(EtcdVersion.cluster)"}"#.utf8))
        case ("GET", "/health"):
            health { healthy in
                responder.respond(status: healthy ? 200 : 503, headers: json,
                                  body: Array(#"{"health":"\#(healthy)"}"#.utf8))
            }
        case ("GET", "/metrics"):
            responder.respond(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                              body: Array(metrics.render(member).utf8))
        case (_, "/version"), (_, "/health"), (_, "/metrics"):
            responder.respond(status: 405, headers: [("Allow", "GET")], body: Array("Method Not Allowed\n".utf8))
        default:
            responder.respond(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")],
                              body: Array("404 page not found\n".utf8))
        }
    }

    /// Healthy: no alarm, a leader, and a linearizable read goes through within a second.
    private func health(_ done: @escaping (Bool) -> Void) {
        guard member.store.activeAlarms.isEmpty, member.leader != .none else { return done(false) }
        member.linearizableRead(timeoutMilliseconds: 1000) { result in
            if case .success = result { done(true) } else { done(false) }
        }
    }
}
