import EventLoop
import GRPC
import HTTP
import Testing

/// A handler that reports what it saw, for the HTTP tests.
func describingHandler(_ request: HTTPRequest, _ responder: HTTPResponder) {
    let text = "\(request.method) \(request.path) q=\(request.query) body=\(String(decoding: request.body, as: UTF8.self))"
    responder.respond(status: 200, headers: [("Content-Type", "text/plain")], body: Array(text.utf8))
}

@Suite struct HTTPTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var bodies: [String]; var connections: Int }
        let outcome: Outcome? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop, handler: describingHandler)
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(Outcome(bodies: [], connections: 0)); return }
            HTTPClient.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let client) = result else { done(Outcome(bodies: ["connect failed"], connections: 0)); return }
                var bodies = [String]()
                client.request(method: "GET", path: "/health?verbose=1") { first in
                    bodies.append((try? first.get())?.bodyText ?? "\(first)")
                    client.request(method: "POST", path: "/v3/kv/range", body: Array("{\"key\":\"Zm9v\"}".utf8)) { second in
                        bodies.append((try? second.get())?.bodyText ?? "\(second)")
                        done(Outcome(bodies: bodies, connections: server.connectionCount))
                        client.close()
                    }
                }
            }
        }
        #expect(outcome == Outcome(bodies: ["GET /health q=verbose=1 body=", "POST /v3/kv/range q= body={\"key\":\"Zm9v\"}"], connections: 1))
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let bodies: [String]? = await harness.run { loop, done in
            // The first answer is delayed: the second must still come after it.
            let server = HTTPServer(loop: loop) { request, responder in
                if request.path == "/slow" {
                    loop.schedule(afterMilliseconds: 30) { describingHandler(request, responder) }
                } else {
                    describingHandler(request, responder)
                }
            }
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done([]); return }
            HTTPClient.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let client) = result else { done(["connect failed"]); return }
                var bodies = [String]()
                for path in ["/slow", "/fast", "/last"] {
                    client.request(method: "GET", path: path) { response in
                        bodies.append((try? response.get())?.bodyText ?? "\(response)")
                        if bodies.count == 3 { client.close(); done(bodies) }
                    }
                }
            }
        }
        #expect(bodies == ["GET /slow q= body=", "GET /fast q= body=", "GET /last q= body="])
    }

    @Test func chunkedRequestBodyIsDecoded() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let reply: String? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop, handler: describingHandler)
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(""); return }
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let connection) = result else { done("connect failed"); return }
                var received = [UInt8]()
                connection.onRead = { bytes in received.append(contentsOf: bytes) }
                connection.onClose = { _ in done(String(decoding: received, as: UTF8.self)) }
                connection.startReading()
                connection.write(Array("POST /put HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8))
            }
        }
        #expect(reply?.hasPrefix("HTTP/1.1 200 OK\r\n") == true)
        #expect(reply?.hasSuffix("\r\n\r\nPOST /put q= body=hello world") == true)
    }

    @Test func expectContinueGetsInterimResponseBeforeBody() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let reply: String? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop, handler: describingHandler)
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(""); return }
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let connection) = result else { done("connect failed"); return }
                var received = [UInt8]()
                var sentBody = false
                connection.onRead = { bytes in
                    received.append(contentsOf: bytes)
                    // The body goes only after the interim response, as curl does.
                    if !sentBody && String(decoding: received, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n" {
                        sentBody = true
                        connection.write(Array("abc".utf8))
                    }
                }
                connection.onClose = { _ in done(String(decoding: received, as: UTF8.self)) }
                connection.startReading()
                connection.write(Array("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n".utf8))
            }
        }
        #expect(reply?.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n") == true)
        #expect(reply?.hasSuffix("POST /x q= body=abc") == true)
    }

    @Test func chunkedStreamingResponse() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var status: Int; var encoding: String?; var body: String }
        let outcome: Outcome? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop) { _, responder in
                responder.startStreaming(status: 200, headers: [("Content-Type", "application/json")])
                var sent = 0
                func next() {
                    sent += 1
                    responder.sendChunk(Array("{\"event\":\(sent)}\n".utf8))
                    if sent == 3 { responder.finish() } else { loop.schedule(afterMilliseconds: 5) { next() } }
                }
                next()
            }
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(Outcome(status: 0, encoding: nil, body: "")); return }
            HTTPClient.request(loop: loop, host: "127.0.0.1", port: listener.port, method: "GET", path: "/v3/watch") { result in
                switch result {
                case .success(let response):
                    done(Outcome(status: response.status, encoding: response.header("transfer-encoding"), body: response.bodyText))
                case .failure(let error):
                    done(Outcome(status: 0, encoding: nil, body: "\(error)"))
                }
            }
        }
        #expect(outcome == Outcome(status: 200, encoding: "chunked", body: "{\"event\":1}\n{\"event\":2}\n{\"event\":3}\n"))
    }

    @Test func streamingResponderSeesClientGoAway() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let closed: Bool? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop) { _, responder in
                responder.startStreaming(status: 200, headers: [])
                responder.onClose = { done(true) }  // a watch stream must learn its client left
                responder.sendChunk(Array("first\n".utf8))
            }
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(false); return }
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let connection) = result else { done(false); return }
                connection.onRead = { _ in connection.close() }  // leave after the first chunk
                connection.startReading()
                connection.write(Array("GET /v3/watch HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            }
        }
        #expect(closed == true)
    }

    @Test func malformedRequestGets400AndClose() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let reply: String? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop, handler: describingHandler)
            guard let listener = try? server.listen(host: "127.0.0.1", port: 0) else { done(""); return }
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let connection) = result else { done("connect failed"); return }
                var received = [UInt8]()
                connection.onRead = { bytes in received.append(contentsOf: bytes) }
                connection.onClose = { _ in done(String(decoding: received, as: UTF8.self)) }
                connection.startReading()
                connection.write(Array("\u{1}\u{2} garbage\r\n\r\n".utf8))
            }
        }
        #expect(reply?.hasPrefix("HTTP/1.1 400 Bad Request\r\n") == true)
    }

    @Test func protocolMuxSplitsGrpcAndHttpOnOnePort() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        struct Outcome: Sendable, Equatable { var grpc: String; var http: String }
        let outcome: Outcome? = await harness.run { loop, done in
            let grpc = GRPCServer(loop: loop)
            grpc.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                responder.respond(request)
            }
            let http = HTTPServer(loop: loop, handler: describingHandler)
            let mux = ProtocolMux(loop: loop, grpc: grpc, http: { connection, bytes in http.serve(connection, initialBytes: bytes) })
            guard let listener = try? mux.listen(host: "127.0.0.1", port: 0) else { done(Outcome(grpc: "", http: "")); return }
            GRPCClient.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                guard case .success(let client) = result else { done(Outcome(grpc: "connect failed", http: "")); return }
                client.unary("/test.Echo/Say", string("over h2")) { (reply: Result<StringValue, GRPCStatus>) in
                    let grpcText = (try? reply.get())?.value ?? "\(reply)"
                    HTTPClient.request(loop: loop, host: "127.0.0.1", port: listener.port, method: "GET", path: "/version") { response in
                        client.close()
                        listener.close()
                        done(Outcome(grpc: grpcText, http: (try? response.get())?.bodyText ?? "\(response)"))
                    }
                }
            }
        }
        #expect(outcome == Outcome(grpc: "over h2", http: "GET /version q= body="))
    }
}
