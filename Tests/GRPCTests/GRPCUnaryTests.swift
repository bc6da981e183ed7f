import EventLoop
@testable import GRPC
import SwiftProtobuf
import Testing

typealias StringValue = Google_Protobuf_StringValue
typealias BytesValue = Google_Protobuf_BytesValue

func string(_ text: String) -> StringValue {
    var value = StringValue()
    value.value = text
    return value
}

/// Starts a GRPCServer on 127.0.0.1:0 with `configure`, connects a GRPCClient, then runs `body`.
func withServerAndClient(loop: EventLoop, maxReceiveMessageBytes: Int = 2 << 20,
                         configure: (GRPCServer) -> Void,
                         _ body: @escaping (GRPCServer, GRPCClient, Int) -> Void,
                         failed: @escaping (GRPCStatus) -> Void) {
    let server = GRPCServer(loop: loop, maxReceiveMessageBytes: maxReceiveMessageBytes)
    configure(server)
    let listener: TCPListener
    do { listener = try server.listen(host: "127.0.0.1", port: 0) } catch {
        failed(GRPCStatus(.unavailable, "listen: \(error)"))
        return
    }
    GRPCClient.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
        switch result {
        case .success(let client): body(server, client, listener.port)
        case .failure(let status): failed(status)
        }
    }
}

struct StatusResult: Sendable, Equatable {
    var code: GRPCStatus.Code
    var message: String
    init(_ status: GRPCStatus) { code = status.code; message = status.message }
}

@Suite struct GRPCUnaryTests {
    @Test func unaryEchoCarriesMessageAndMetadata() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let reply: String? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    let tag = responder.header("x-tag") ?? "none"
                    responder.respond(string("echo:\(request.value):\(tag)"))
                }
            }, { _, client, _ in
                client.unary("/test.Echo/Say", string("hi"), metadata: [("X-Tag", "t1")]) { (result: Result<StringValue, GRPCStatus>) in
                    done((try? result.get())?.value ?? "failed: \(result)")
                }
            }, failed: { done("connect failed: \($0)") })
        }
        #expect(reply == "echo:hi:t1")
    }

    @Test func manyConcurrentUnaryCallsOnOneConnection() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let answers: [String]? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    // Answer later, as the etcd server does after a Raft commit.
                    loop.deferToIterationEnd { responder.respond(request) }
                }
            }, { _, client, _ in
                var answers = [String?](repeating: nil, count: 500)
                var remaining = answers.count
                for index in answers.indices {
                    client.unary("/test.Echo/Say", string("\(index)")) { (result: Result<StringValue, GRPCStatus>) in
                        answers[index] = (try? result.get())?.value
                        remaining -= 1
                        if remaining == 0 { done(answers.map { $0 ?? "missing" }) }
                    }
                }
            }, failed: { done(["connect failed: \($0)"]) })
        }
        #expect(answers == (0..<500).map { "\($0)" })
    }

    @Test func unknownServiceAndMethodAreUnimplementedLikeGrpcGo() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let statuses: [StatusResult]? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/etcdserverpb.KV/Range") { (_: StringValue, responder: UnaryResponder<StringValue>) in
                    responder.respond(StringValue())
                }
            }, { _, client, _ in
                var results = [StatusResult]()
                client.unary("/etcdserverpb.KV/Nope", StringValue()) { (result: Result<StringValue, GRPCStatus>) in
                    if case .failure(let status) = result { results.append(StatusResult(status)) }
                    client.unary("/etcdserverpb.Missing/Get", StringValue()) { (result: Result<StringValue, GRPCStatus>) in
                        if case .failure(let status) = result { results.append(StatusResult(status)) }
                        done(results)
                    }
                }
            }, failed: { done([StatusResult($0)]) })
        }
        #expect(statuses == [
            StatusResult(GRPCStatus(.unimplemented, "unknown method Nope for service etcdserverpb.KV")),
            StatusResult(GRPCStatus(.unimplemented, "unknown service etcdserverpb.Missing")),
        ])
    }

    @Test func malformedProtobufIsInternalWithGrpcGoPrefix() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let status: StatusResult? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    responder.respond(request)
                }
            }, { _, client, _ in
                // Field 1, wire type 2, length 10, but only one byte follows: truncated.
                client.unaryRaw("/test.Echo/Say", [0x0A, 0x0A, 0x41]) { result in
                    switch result {
                    case .failure(let status): done(StatusResult(status))
                    case .success: done(StatusResult(GRPCStatus(.ok, "unexpected success")))
                    }
                }
            }, failed: { done(StatusResult($0)) })
        }
        #expect(status?.code == .internalError)
        #expect(status?.message.hasPrefix("grpc: error unmarshalling request: ") == true)
    }

    @Test func oversizedMessageIsResourceExhausted() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let status: StatusResult? = await harness.run { loop, done in
            withServerAndClient(loop: loop, maxReceiveMessageBytes: 1024, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    responder.respond(request)
                }
            }, { _, client, _ in
                client.unary("/test.Echo/Say", string(String(repeating: "x", count: 2000))) { (result: Result<StringValue, GRPCStatus>) in
                    switch result {
                    case .failure(let status): done(StatusResult(status))
                    case .success: done(StatusResult(GRPCStatus(.ok, "unexpected success")))
                    }
                }
            }, failed: { done(StatusResult($0)) })
        }
        #expect(status == StatusResult(GRPCStatus(.resourceExhausted, "grpc: received message larger than max (2003 vs. 1024)")))
    }

    @Test func unaryWithoutRequestMessageIsUnknownEOF() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let status: StatusResult? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    responder.respond(request)
                }
            }, { _, client, _ in
                let stream = client.stream("/test.Echo/Say", requestType: StringValue.self, responseType: StringValue.self)
                stream.onFinish = { done(StatusResult($0)) }
                stream.closeSend()  // END_STREAM without any message
            }, failed: { done(StatusResult($0)) })
        }
        #expect(status == StatusResult(GRPCStatus(.unknown, "EOF")))
    }

    @Test func compressedFlagIsUnimplemented() async throws {
        var deframer = MessageDeframer(maxMessageBytes: 100)
        deframer.encoding = "gzip"
        deframer.append([1, 0, 0, 0, 1, 0])
        #expect(throws: GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \"gzip\"")) {
            _ = try deframer.next()
        }
    }

    @Test func deadlineFromGrpcTimeoutEndsCallAndCancelsHandler() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var client: StatusResult; var serverCancelled: Bool; var hadDeadline: Bool }
        let outcome: Outcome? = await harness.run { loop, done in
            var serverCancelled = false
            var hadDeadline = false
            var parked: UnaryResponder<StringValue>?
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Slow/Never") { (_: StringValue, responder: UnaryResponder<StringValue>) in
                    hadDeadline = responder.deadlineMilliseconds != nil
                    responder.onCancel = { serverCancelled = true }
                    parked = responder  // never answered
                }
            }, { _, client, _ in
                // Sent as raw metadata so the server's deadline, not the client's timer, ends it.
                client.unary("/test.Slow/Never", StringValue(), metadata: [("grpc-timeout", "150000u")]) { (result: Result<StringValue, GRPCStatus>) in
                    let status: GRPCStatus
                    switch result {
                    case .failure(let failure): status = failure
                    case .success: status = GRPCStatus(.ok)
                    }
                    parked?.respond(StringValue())  // a late answer is ignored
                    done(Outcome(client: StatusResult(status), serverCancelled: serverCancelled, hadDeadline: hadDeadline))
                }
            }, failed: { done(Outcome(client: StatusResult($0), serverCancelled: false, hadDeadline: false)) })
        }
        #expect(outcome?.client.code == .deadlineExceeded)
        #expect(outcome?.serverCancelled == true)
        #expect(outcome?.hadDeadline == true)
    }

    @Test func clientTimeoutEndsCallLocally() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let code: GRPCStatus.Code? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Slow/Never") { (_: StringValue, _: UnaryResponder<StringValue>) in }
            }, { _, client, _ in
                client.unary("/test.Slow/Never", StringValue(), timeoutMilliseconds: 100) { (result: Result<StringValue, GRPCStatus>) in
                    if case .failure(let status) = result { done(status.code) } else { done(.ok) }
                }
            }, failed: { done($0.code) })
        }
        #expect(code == .deadlineExceeded)
    }

    @Test func closingTheClientCancelsServerCalls() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var serverCancelled: Bool; var clientCode: GRPCStatus.Code? }
        let outcome: Outcome? = await harness.run { loop, done in
            var clientCode: GRPCStatus.Code?
            var clientRef: GRPCClient?
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Slow/Never") { (_: StringValue, responder: UnaryResponder<StringValue>) in
                    responder.onCancel = {
                        done(Outcome(serverCancelled: responder.isCancelled, clientCode: clientCode))
                    }
                    clientRef?.close()  // the request arrived: now drop the connection
                }
            }, { _, client, _ in
                clientRef = client
                client.unary("/test.Slow/Never", StringValue()) { (result: Result<StringValue, GRPCStatus>) in
                    if case .failure(let status) = result { clientCode = status.code }
                }
            }, failed: { _ in done(Outcome(serverCancelled: false, clientCode: nil)) })
        }
        #expect(outcome == Outcome(serverCancelled: true, clientCode: .cancelled))
    }
}

@Suite struct GRPCWireFormatTests {
    @Test func grpcTimeoutUnits() {
        #expect(GRPCTimeout.parseMilliseconds("2H") == 7_200_000)
        #expect(GRPCTimeout.parseMilliseconds("3M") == 180_000)
        #expect(GRPCTimeout.parseMilliseconds("5S") == 5000)
        #expect(GRPCTimeout.parseMilliseconds("250m") == 250)
        #expect(GRPCTimeout.parseMilliseconds("1500u") == 2)
        #expect(GRPCTimeout.parseMilliseconds("1n") == 1)
        #expect(GRPCTimeout.parseMilliseconds("99999999S") == 99_999_999_000)
        #expect(GRPCTimeout.parseMilliseconds("123456789S") == nil)
        #expect(GRPCTimeout.parseMilliseconds("5x") == nil)
        #expect(GRPCTimeout.parseMilliseconds("S") == nil)
        #expect(GRPCTimeout.encode(milliseconds: 5000) == "5000m")
    }

    @Test func grpcMessagePercentEncodingRoundTrips() {
        let text = "bad key: 100% \u{e9}\n"
        let encoded = GRPCMessageEncoding.encode(text)
        #expect(encoded == "bad key: 100%25 %C3%A9%0A")
        #expect(GRPCMessageEncoding.decode(encoded) == text)
    }

    @Test func deframerSplitsAndJoinsMessages() throws {
        var deframer = MessageDeframer(maxMessageBytes: 100)
        let framed = MessageFraming.frame([1, 2, 3]) + MessageFraming.frame([]) + MessageFraming.frame([9])
        deframer.append(Array(framed[0..<4]))
        #expect(try deframer.next() == nil)
        deframer.append(Array(framed[4...]))
        #expect(try deframer.next() == [1, 2, 3])
        #expect(try deframer.next() == [])
        #expect(try deframer.next() == [9])
        #expect(try deframer.next() == nil)
    }
}
