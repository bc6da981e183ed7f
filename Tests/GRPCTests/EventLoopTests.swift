import EventLoop
import Glibc
import Testing

@Suite struct EventLoopTests {
    @Test func timersFireInDeadlineOrderAndCancelledOnesNever() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let order: [String]? = await harness.run { loop, done in
            // Finishes once both the 30 ms timer and the third tick ran (a loaded machine may
            // delay either), then waits a little longer for anything that should not fire.
            var order = [String]()
            func finishWhenBothRan() {
                guard order.contains("30"), order.contains("tick3") else { return }
                loop.schedule(afterMilliseconds: 30) { done(order) }
            }
            loop.schedule(afterMilliseconds: 30) { order.append("30"); finishWhenBothRan() }
            loop.schedule(afterMilliseconds: 10) { order.append("10") }
            let cancelled = loop.schedule(afterMilliseconds: 20) { order.append("cancelled") }
            cancelled.cancel()
            var ticks = 0
            var repeating: LoopTimer?
            repeating = loop.scheduleRepeating(everyMilliseconds: 5) {
                ticks += 1
                if ticks == 3 { repeating?.cancel(); order.append("tick3"); finishWhenBothRan() }
                if ticks > 3 { order.append("tick after cancel") }
            }
        }
        #expect(order?.filter { $0 != "tick3" } == ["10", "30"])
        #expect(order?.contains("tick3") == true)
    }

    @Test func threadpoolWorkCompletesOnTheLoop() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let sums: [Int]? = await harness.run { loop, done in
            var sums = [Int]()
            for batch in 0..<4 {
                loop.submitWork({ (0...1000).reduce(0, +) + batch }) { sum in
                    sums.append(sum)
                    if sums.count == 4 { done(sums.sorted()) }
                }
            }
        }
        #expect(sums == [500_500, 500_501, 500_502, 500_503])
    }

    @Test func executeFromAnyThreadRunsEveryBodyInOrder() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        final class Collector: @unchecked Sendable { var seen = [Int]() }  // loop thread only
        let collector = Collector()
        for index in 0..<100 {
            harness.loop.executeFromAnyThread { collector.seen.append(index) }  // from the test thread
        }
        let collected: [Int]? = await harness.run { _, done in done(collector.seen) }
        #expect(collected == Array(0..<100))
    }

    @Test func signalWatcherSeesRaisedSignal() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let got: Bool? = await harness.run { loop, done in
            var watcher: SignalWatcher?
            watcher = loop.onSignal(SIGUSR2) {
                watcher?.cancel()
                done(true)
            }
            kill(getpid(), SIGUSR2)
        }
        #expect(got == true)
    }

    @Test func connectToClosedPortReportsLoopError() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let name: String? = await harness.run { loop, done in
            // Bind then close to find a port nobody listens on.
            guard let listener = try? TCPListener(loop: loop, host: "127.0.0.1", port: 0) else { done("bind failed"); return }
            let port = listener.port
            listener.close()
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: port) { result in
                switch result {
                case .success(let connection): connection.close(); done("connected")
                case .failure(let error): done(error.name)
                }
            }
        }
        #expect(name == "ECONNREFUSED")
    }

    @Test func connectResolvesHostNames() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let outcome: String? = await harness.run { loop, done in
            guard let listener = try? TCPListener(loop: loop, host: "127.0.0.1", port: 0) else { done("bind failed"); return }
            listener.onAccept = { $0.close() }
            // A name, not an address: resolved through getaddrinfo (/etc/hosts).
            TCPConnection.connect(loop: loop, host: "localhost", port: listener.port) { result in
                listener.close()
                switch result {
                case .success(let connection):
                    connection.close()
                    done(connection.remoteAddress)
                case .failure(let error):
                    done("\(error)")
                }
            }
        }
        #expect(outcome?.hasPrefix("127.0.0.1:") == true, "\(outcome ?? "nil")")
    }

    @Test func everyIterationHookBatchesWork() async throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let batches: [Int]? = await harness.run { loop, done in
            var pending = 0
            var batches = [Int]()
            loop.onEveryIteration {
                guard pending > 0 else { return }
                batches.append(pending)
                pending = 0
                if batches.count == 2 { done(batches) }
            }
            for _ in 0..<5 { loop.deferToIterationEnd { pending += 1 } }
            loop.schedule(afterMilliseconds: 5) { pending += 7 }
        }
        // Deferred bodies run after the iteration hooks of the same check phase, so the first
        // five increments are seen in the next iteration, together or before the timer's seven.
        #expect(batches?.reduce(0, +) == 12)
    }
}
