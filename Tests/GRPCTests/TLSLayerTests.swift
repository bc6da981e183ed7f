import EventLoop
import Foundation
@testable import GRPC
import HTTP
import SwiftProtobuf
import Testing
import TLS

/// TLS as a layer on TCPConnection, below HTTP/2: handshake, ALPN, client certificates and the
/// identity the server sees, failures that close one connection only.
@Suite struct TLSLayerTests {
    struct Outcome: Sendable, Equatable {
        var reply: String?
        var error: String?
    }

    /// A gRPC server on TLS (client certificates required when `mutual`) answering with the
    /// caller's verified common name; one call from a client configured by `client`.
    static func call(certificates: TestCertificates, mutual: Bool, client: TLSClientOptions,
                     allowedCommonName: String = "", allowedHostname: String = "") async throws -> Outcome {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let outcome: Outcome? = await harness.run { loop, done in
            let server = GRPCServer(loop: loop)
            server.unary("/test.Who/Am") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                responder.respond(string("\(request.value):\(responder.peerCommonName ?? "anonymous")"))
            }
            var serverOptions = TLSServerOptions(certFile: certificates.serverCert, keyFile: certificates.serverKey)
            serverOptions.trustedCAFile = certificates.caFile
            serverOptions.clientCertAuth = mutual
            serverOptions.allowedCommonName = allowedCommonName
            serverOptions.allowedHostname = allowedHostname
            do {
                let serverContext = try TLSContext.server(serverOptions)
                let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0)
                listener.onAccept = { connection in
                    do { try serverContext.secure(connection) } catch { connection.close(); return }
                    server.serve(connection, initialBytes: [])
                }
                var offered = client
                offered.alpn = ["h2"]
                let clientContext = try TLSContext.client(offered)
                GRPCClient.connect(loop: loop, host: "127.0.0.1", port: listener.port, tls: clientContext) { result in
                    switch result {
                    case .failure(let status):
                        listener.close()
                        done(Outcome(reply: nil, error: status.message))
                    case .success(let grpc):
                        grpc.unary("/test.Who/Am", string("hi"), timeoutMilliseconds: 5000) { (result: Result<StringValue, GRPCStatus>) in
                            listener.close()
                            grpc.close()
                            switch result {
                            case .success(let value): done(Outcome(reply: value.value, error: nil))
                            case .failure(let status): done(Outcome(reply: nil, error: status.message))
                            }
                        }
                    }
                }
            } catch {
                done(Outcome(reply: nil, error: "setup: \(error)"))
            }
        }
        return try #require(outcome)
    }

    @Test func serverAuthenticatedCallCarriesNoIdentity() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var client = TLSClientOptions()
        client.trustedCAFile = certificates.caFile
        let outcome = try await Self.call(certificates: certificates, mutual: false, client: client)
        #expect(outcome == Outcome(reply: "hi:anonymous", error: nil))
    }

    @Test func mutualTLSExposesTheClientCommonName() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var client = TLSClientOptions()
        client.trustedCAFile = certificates.caFile
        client.certFile = certificates.clientCert
        client.keyFile = certificates.clientKey
        let outcome = try await Self.call(certificates: certificates, mutual: true, client: client)
        #expect(outcome == Outcome(reply: "hi:alice", error: nil))
    }

    /// --peer-cert-allowed-cn and --*-cert-allowed-hostname: checked after the chain verified.
    @Test func allowedCommonNameAndHostnameFilterClientCertificates() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var client = TLSClientOptions()
        client.trustedCAFile = certificates.caFile
        client.certFile = certificates.clientCert
        client.keyFile = certificates.clientKey
        let rightName = try await Self.call(certificates: certificates, mutual: true, client: client, allowedCommonName: "alice")
        #expect(rightName == Outcome(reply: "hi:alice", error: nil))
        let wrongName = try await Self.call(certificates: certificates, mutual: true, client: client, allowedCommonName: "bob")
        #expect(wrongName.reply == nil, "\(wrongName)")
        let rightHost = try await Self.call(certificates: certificates, mutual: true, client: client, allowedHostname: "localhost")
        #expect(rightHost == Outcome(reply: "hi:alice", error: nil))
        let wrongHost = try await Self.call(certificates: certificates, mutual: true, client: client, allowedHostname: "example.com")
        #expect(wrongHost.reply == nil, "\(wrongHost)")
    }

    @Test func clientWithoutTheCARefusesTheServer() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let outcome = try await Self.call(certificates: certificates, mutual: false, client: TLSClientOptions())
        #expect(outcome.reply == nil)
        #expect(outcome.error?.contains("failed to verify certificate") == true, "\(outcome)")
    }

    @Test func skippingVerificationAcceptsAnUnknownServer() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var client = TLSClientOptions()
        client.insecureSkipVerify = true
        let outcome = try await Self.call(certificates: certificates, mutual: false, client: client)
        #expect(outcome == Outcome(reply: "hi:anonymous", error: nil))
    }

    @Test func serverRefusesMissingOrForeignClientCertificates() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var anonymous = TLSClientOptions()
        anonymous.trustedCAFile = certificates.caFile
        let withoutCertificate = try await Self.call(certificates: certificates, mutual: true, client: anonymous)
        #expect(withoutCertificate.reply == nil, "\(withoutCertificate)")
        var stranger = anonymous
        stranger.certFile = certificates.strangerCert
        stranger.keyFile = certificates.strangerKey
        let foreign = try await Self.call(certificates: certificates, mutual: true, client: stranger)
        #expect(foreign.reply == nil, "\(foreign)")
    }

    /// Garbage instead of a ClientHello closes that connection (with a handshake failure report)
    /// while a TLS client on the same listener is served.
    @Test func garbageHandshakeClosesOnlyThatConnection() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        struct Seen: Sendable, Equatable {
            var garbageClosed: Bool
            var failureReported: Bool
            var reply: String?
        }
        let harness = try LoopHarness()
        defer { harness.stop() }
        let seen: Seen? = await harness.run { loop, done in
            let server = GRPCServer(loop: loop)
            server.unary("/test.Who/Am") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                responder.respond(string(request.value))
            }
            do {
                let serverContext = try TLSContext.server(TLSServerOptions(certFile: certificates.serverCert,
                                                                           keyFile: certificates.serverKey))
                var failures = 0
                serverContext.onHandshakeFailure = { _, _ in failures += 1 }
                let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0)
                listener.onAccept = { connection in
                    do { try serverContext.secure(connection) } catch { connection.close(); return }
                    server.serve(connection, initialBytes: [])
                }
                var options = TLSClientOptions()
                options.trustedCAFile = certificates.caFile
                options.alpn = ["h2"]
                let clientContext = try TLSContext.client(options)
                TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
                    guard case .success(let garbage) = result else { return done(Seen(garbageClosed: false, failureReported: false, reply: "no tcp")) }
                    garbage.onClose = { _ in
                        GRPCClient.connect(loop: loop, host: "127.0.0.1", port: listener.port, tls: clientContext) { result in
                            guard case .success(let grpc) = result else {
                                listener.close()
                                return done(Seen(garbageClosed: true, failureReported: failures > 0, reply: nil))
                            }
                            grpc.unary("/test.Who/Am", string("still serving"), timeoutMilliseconds: 5000) { (result: Result<StringValue, GRPCStatus>) in
                                listener.close()
                                grpc.close()
                                done(Seen(garbageClosed: true, failureReported: failures > 0, reply: try? result.get().value))
                            }
                        }
                    }
                    garbage.onRead = { _ in }
                    garbage.startReading()
                    garbage.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [UInt8](repeating: 0x16, count: 64))
                }
            } catch {
                done(Seen(garbageClosed: false, failureReported: false, reply: "setup: \(error)"))
            }
        }
        #expect(seen == Seen(garbageClosed: true, failureReported: true, reply: "still serving"))
    }

    /// HTTP/1.1 over the same layer: two requests on one keep-alive TLS connection.
    @Test func httpOverTLSKeepsTheConnectionAlive() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let harness = try LoopHarness()
        defer { harness.stop() }
        let bodies: [String]? = await harness.run { loop, done in
            let server = HTTPServer(loop: loop) { request, responder in
                responder.respond(status: 200, body: Array("path \(request.path)".utf8))
            }
            do {
                let serverContext = try TLSContext.server(TLSServerOptions(certFile: certificates.serverCert,
                                                                           keyFile: certificates.serverKey))
                let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0)
                listener.onAccept = { connection in
                    do { try serverContext.secure(connection) } catch { connection.close(); return }
                    server.serve(connection, initialBytes: [])
                }
                var options = TLSClientOptions()
                options.trustedCAFile = certificates.caFile
                options.alpn = ["http/1.1"]
                let clientContext = try TLSContext.client(options)
                HTTPClient.connect(loop: loop, host: "127.0.0.1", port: listener.port, tls: clientContext) { result in
                    guard case .success(let client) = result else { listener.close(); return done(["connect: \(result)"]) }
                    client.request(method: "GET", path: "/one") { first in
                        client.request(method: "GET", path: "/two") { second in
                            client.close()
                            listener.close()
                            done([first, second].map { response in
                                (try? response.get()).map { String(decoding: $0.body, as: UTF8.self) } ?? "failed: \(response)"
                            })
                        }
                    }
                }
            } catch {
                done(["setup: \(error)"])
            }
        }
        #expect(bodies == ["path /one", "path /two"])
    }

    @Test func unknownCipherSuiteNameIsAClearError() throws {
        #expect(throws: TLSError("unexpected TLS cipher suite \"TLS_BOGUS\"")) {
            _ = try CipherSuites.openSSLCipherList(["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_BOGUS"])
        }
        #expect(try CipherSuites.openSSLCipherList(["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]) == "ECDHE-ECDSA-AES128-GCM-SHA256")
    }

    @Test func missingCertificateFileIsAClearError() throws {
        do {
            _ = try TLSContext.server(TLSServerOptions(certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem"))
            Issue.record("a server context without its certificate file was created")
        } catch {
            #expect(error.message.hasPrefix("cannot load the certificate file /nonexistent/cert.pem"))
        }
    }
}
