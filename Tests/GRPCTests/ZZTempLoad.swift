import EventLoop
import GRPC
import Testing
@Suite struct ZZTemp {
    @Test func zzTempLoad() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let answers: [String]? = await harness.run { loop, done in
            withServerAndClient(loop: loop, configure: { server in
                server.unary("/test.Echo/Say") { (request: StringValue, responder: UnaryResponder<StringValue>) in
                    // Answer later, as the etcd server does after a Raft commit.
                    loop.deferToIterationEnd { responder.respond(request) }
                }
            }, { _, client, _ in
                var answers = [String?](repeating: nil, count: 20000)
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
        #expect(answers == (0..<20000).map { "\($0)" })
    }
}
