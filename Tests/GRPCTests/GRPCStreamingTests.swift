import EventLoop
import GRPC
import SwiftProtobuf
import Testing

typealias UInt32Value = Google_Protobuf_UInt32Value

@Suite struct GRPCStreamingTests {
    @Test func bidiStreamEchoesThousandMessagesInOrder() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var received: [String]; var code: GRPCStatus.Code }
        let outcome: Outcome? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.stream("/test.Echo/Chat") { (stream: ServerStream<StringValue, StringValue>) in
                    stream.onMessage = { request in _ = stream.send(string("re:" + request.value)) }
                    stream.onHalfClose = { stream.finish(.ok) }
                }
            }, { _, client, _ in
                let stream = client.stream("/test.Echo/Chat", requestType: StringValue.self, responseType: StringValue.self)
                var received = [String]()
                stream.onMessage = { received.append($0.value) }
                stream.onFinish = { status in done(Outcome(received: received, code: status.code)) }
                for index in 0..<1000 { stream.send(string("\(index)")) }
                stream.closeSend()
            }, failed: { done(Outcome(received: [], code: $0.code)) })
        }
        #expect(outcome?.code == .ok)
        #expect(outcome?.received == (0..<1000).map { "re:\($0)" })
    }

    @Test func serverStreamingWithBackpressureDeliversEverything() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var count: Int; var inOrder: Bool; var code: GRPCStatus.Code; var sawBackpressure: Bool }
        let outcome: Outcome? = await harness.run { loop, done in
            var sawBackpressure = false
            withServerAndClient(loop: loop, configure: { server in
                server.stream("/test.Numbers/Count") { (stream: ServerStream<UInt32Value, BytesValue>) in
                    stream.onMessage = { request in
                        let total = Int(request.value)
                        var next = 0
                        // Send as fast as the bounded queue allows; resume from onWritable.
                        func pump() {
                            while next < total {
                                var message = BytesValue()
                                message.value = .init(repeating: UInt8(next % 251), count: 1000)
                                message.value.append(contentsOf: withUnsafeBytes(of: UInt32(next).bigEndian) { Array($0) })
                                if !stream.send(message) {
                                    sawBackpressure = true
                                    return
                                }
                                next += 1
                            }
                            stream.finish(.ok)
                        }
                        stream.onWritable = { pump() }
                        pump()
                    }
                }
            }, { _, client, _ in
                let stream = client.stream("/test.Numbers/Count", requestType: UInt32Value.self, responseType: BytesValue.self)
                var count = 0
                var inOrder = true
                stream.onMessage = { message in
                    let tail = message.value.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    if tail != UInt32(count) { inOrder = false }
                    count += 1
                }
                stream.onFinish = { status in
                    done(Outcome(count: count, inOrder: inOrder, code: status.code, sawBackpressure: sawBackpressure))
                }
                var request = UInt32Value()
                request.value = 5000
                stream.send(request)
                stream.closeSend()
            }, failed: { done(Outcome(count: 0, inOrder: false, code: $0.code, sawBackpressure: false)) })
        }
        #expect(outcome == Outcome(count: 5000, inOrder: true, code: .ok, sawBackpressure: true))
    }

    @Test func clientCancelReachesServerStream() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var serverCancelled: Bool; var clientCode: GRPCStatus.Code }
        let outcome: Outcome? = await harness.run { loop, done in
            var clientCode = GRPCStatus.Code.unknown
            withServerAndClient(loop: loop, configure: { server in
                server.stream("/test.Watch/Watch") { (stream: ServerStream<StringValue, StringValue>) in
                    stream.onMessage = { _ in _ = stream.send(string("created")) }
                    stream.onCancel = { done(Outcome(serverCancelled: stream.isClosed, clientCode: clientCode)) }
                }
            }, { _, client, _ in
                let stream = client.stream("/test.Watch/Watch", requestType: StringValue.self, responseType: StringValue.self)
                stream.onMessage = { _ in stream.cancel() }
                stream.onFinish = { clientCode = $0.code }
                stream.send(string("watch"))
            }, failed: { done(Outcome(serverCancelled: false, clientCode: $0.code)) })
        }
        #expect(outcome == Outcome(serverCancelled: true, clientCode: .cancelled))
    }

    /// etcd's KeepAliveOnce opens a stream, reads one answer and cancels (RST_STREAM). Thousands
    /// of those in a row on one connection are an honest client, not a rapid-reset flood: every
    /// call must be answered and the connection must stay up (nghttp2's default guard sent
    /// GOAWAY after 1,000).
    @Test func thousandsOfCancelledStreamsKeepTheConnection() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var answered: Int; var failures: Int }
        let total = 3000
        let outcome: Outcome? = await harness.run { loop, done in
            var answered = 0
            var failures = 0
            withServerAndClient(loop: loop, configure: { server in
                server.stream("/test.Lease/KeepAlive") { (stream: ServerStream<StringValue, StringValue>) in
                    stream.onMessage = { request in _ = stream.send(string("ttl:" + request.value)) }
                }
            }, { _, client, _ in
                func call(_ index: Int) {
                    guard index < total else { return done(Outcome(answered: answered, failures: failures)) }
                    let stream = client.stream("/test.Lease/KeepAlive", requestType: StringValue.self, responseType: StringValue.self)
                    var gotAnswer = false
                    stream.onMessage = { _ in
                        gotAnswer = true
                        answered += 1
                        stream.cancel()
                    }
                    stream.onFinish = { _ in
                        if !gotAnswer { failures += 1 }
                        call(index + 1)
                    }
                    stream.send(string("\(index)"))
                }
                call(0)
            }, failed: { _ in done(Outcome(answered: -1, failures: -1)) })
        }
        #expect(outcome == Outcome(answered: total, failures: 0))
    }

    @Test func garbageBytesCloseOnlyThatConnection() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var garbageClosed: Bool; var reply: String }
        let outcome: Outcome? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    responder.respond(request)
                }
            }, { _, client, port in
                TCPConnection.connect(loop: loop, host: "127.0.0.1", port: port) { result in
                    guard case .success(let garbage) = result else { done(Outcome(garbageClosed: false, reply: "")); return }
                    garbage.onRead = { _ in }
                    garbage.onClose = { _ in
                        // The healthy connection still works after the bad one was dropped.
                        client.unary("/test.Echo/Say", string("still here")) { (result: Result<StringValue, GRPCStatus>) in
                            done(Outcome(garbageClosed: true, reply: (try? result.get())?.value ?? "\(result)"))
                        }
                    }
                    garbage.startReading()
                    garbage.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\nthis is not HTTP/2 at all".utf8))
                }
            }, failed: { done(Outcome(garbageClosed: false, reply: "connect failed: \($0)")) })
        }
        #expect(outcome == Outcome(garbageClosed: true, reply: "still here"))
    }

    @Test func protocolErrorAfterValidPrefaceClosesConnection() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let closed: Bool? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { _ in }, { _, _, port in
                TCPConnection.connect(loop: loop, host: "127.0.0.1", port: port) { result in
                    guard case .success(let connection) = result else { done(false); return }
                    connection.onRead = { _ in }
                    connection.onClose = { _ in done(true) }
                    connection.startReading()
                    // The preface, then a frame header announcing a 16 MiB DATA frame on stream 0.
                    let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
                    connection.write(preface + [0, 0, 0, 4, 0, 0, 0, 0, 0] + [0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0x41, count: 64))
                }
            }, failed: { _ in done(false) })
        }
        #expect(closed == true)
    }
}
