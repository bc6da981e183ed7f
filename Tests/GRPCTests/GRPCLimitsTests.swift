import EventLoop
import Foundation
import GRPC
import HTTP
import SwiftProtobuf
import Testing

@Suite struct GRPCLimitsTests {
    /// Messages larger than the HTTP/2 stream window need WINDOW_UPDATEs both ways.
    @Test func twoMebibyteMessagesRoundTrip() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var count: Int; var intact: Bool }
        let outcome: Outcome? = await harness.run { loop, done in
            withServerAndClient(loop: loop, maxReceiveMessageBytes: 4 << 20, configure: { server in
                server.unary("/test.Blob/Echo") { (request: BytesValue, responder: UnaryResponder<BytesValue>) in
                    responder.respond(request)
                }
            }, { _, client, _ in
                var request = BytesValue()
                request.value = Data((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                var answered = 0
                var intact = true
                for _ in 0..<3 {
                    client.unary("/test.Blob/Echo", request) { (result: Result<BytesValue, GRPCStatus>) in
                        if (try? result.get())?.value != request.value { intact = false }
                        answered += 1
                        if answered == 3 { done(Outcome(count: answered, intact: intact)) }
                    }
                }
            }, failed: { _ in done(Outcome(count: 0, intact: false)) })
        }
        #expect(outcome == Outcome(count: 3, intact: true))
    }

    @Test func shutdownEndsCallsAndRefusesNewConnections() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var inFlight: GRPCStatus.Code?; var reconnect: GRPCStatus.Code? }
        let outcome: Outcome? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Slow/Never") { (_: StringValue, _: UnaryResponder<StringValue>) in
                    loop.deferToIterationEnd { [weak server] in server?.shutdown() }
                }
            }, { _, client, port in
                client.unary("/test.Slow/Never", StringValue()) { (result: Result<StringValue, GRPCStatus>) in
                    var inFlight: GRPCStatus.Code?
                    if case .failure(let status) = result { inFlight = status.code }
                    GRPCClient.connect(loop: loop, host: "127.0.0.1", port: port) { reconnect in
                        switch reconnect {
                        case .success(let again): again.close(); done(Outcome(inFlight: inFlight, reconnect: .ok))
                        case .failure(let status): done(Outcome(inFlight: inFlight, reconnect: status.code))
                        }
                    }
                }
            }, failed: { _ in done(Outcome(inFlight: nil, reconnect: nil)) })
        }
        #expect(outcome == Outcome(inFlight: .unavailable, reconnect: .unavailable))
    }

    @Test func keepalivePingsAreAnsweredAndUnansweredOnesDropTheConnection() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var answeringClientWorks: String; var silentPeerClosed: Bool }
        let outcome: Outcome? = await harness.run { loop, done in
            let server = GRPCServer(loop: loop)
            server.keepaliveIntervalMilliseconds = 20
            server.keepaliveTimeoutMilliseconds = 50
            server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                responder.respond(request)
            }
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(Outcome(answeringClientWorks: "", silentPeerClosed: false)); return }
            // A peer that sends the preface and SETTINGS but never answers a PING.
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let silent) = result else { return }
                silent.onClose = { _ in
                    // Meanwhile a real client (which ACKs pings) kept its connection.
                    GRPCClient.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                        guard case .success(let client) = result else { return }
                        loop.schedule(afterMilliseconds: 150) {
                            client.unary("/test.Echo/Say", string("alive")) { (reply: Result<StringValue, GRPCStatus>) in
                                server.shutdown()
                                done(Outcome(answeringClientWorks: (try? reply.get())?.value ?? "\(reply)", silentPeerClosed: true))
                            }
                        }
                    }
                }
                silent.onRead = { _ in }  // reads (to see the close) but never answers
                silent.startReading()
                silent.write(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0])
            }
        }
        #expect(outcome == Outcome(answeringClientWorks: "alive", silentPeerClosed: true))
    }

    @Test func httpBodyOverLimitGets413() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let status: Int? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop, maxBodyBytes: 1024, handler: describingHandler)
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(0); return }
            HTTPClient.request(loop: loop, host: "127.0.0.1", port: listener.port, method: "POST", path: "/v3/kv/put",
                               body: [UInt8](repeating: 0x61, count: 4096)) { result in
                done((try? result.get())?.status ?? -1)
            }
        }
        #expect(status == 413)
    }
}
