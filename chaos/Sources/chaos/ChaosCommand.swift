import Foundation
import Glibc

enum ChaosCommand {
    static func main(_ args: [String]) -> Int32 {
        let options: CommandLineOptions
        do { options = try CommandLineOptions.parse(args) } catch {
            FileHandle.standardError.write(Data("chaos: \(error)\n\(CommandLineOptions.usage)\n".utf8))
            return 2
        }
        switch options.command {
        case .help:
            Output.line(CommandLineOptions.usage)
            return 0
        case .list:
            for s in Scenario.all {
                let tag = s.name.hasPrefix("smoke-") ? "smoke " : "matrix"
                Output.line("\(s.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(tag) \(s.members) member(s) \(Int(s.seconds))s  \(s.summary)")
            }
            return 0
        case .run:
            return run(options)
        case .canaries:
            let binary: String
            do { binary = try options.etcdBinary() } catch {
                FileHandle.standardError.write(Data("chaos: \(error)\n".utf8))
                return 2
            }
            ChildRegistry.installInterruptHandlers()
            return CanarySweep.run(options, binary: binary)
        }
    }

    static func run(_ options: CommandLineOptions) -> Int32 {
        let binary: String
        do { binary = try options.etcdBinary() } catch {
            FileHandle.standardError.write(Data("chaos: \(error)\n".utf8))
            return 2
        }
        let scenarios: [Scenario]
        if options.all { scenarios = Scenario.matrix }
        else if options.smoke { scenarios = Scenario.all.filter { $0.name.hasPrefix("smoke-") } }
        else { scenarios = [Scenario.named(options.scenario!)!] }
        ChildRegistry.installInterruptHandlers()
        var failures: [String] = []
        var total = 0
        for s in scenarios {
            for k in 0..<options.runs {
                let run = ChaosRun(options: RunOptions(scenario: s, seed: options.seed + UInt64(k), etcdBinary: binary,
                                                       resultsDir: options.results, keepData: options.keep,
                                                       memberEnvironment: options.environment))
                let summary = run.execute()
                total += 1
                if !summary.passed { failures.append(summary.replay) }
                Output.line("")
            }
        }
        Output.line("chaos: \(total - failures.count) of \(total) run(s) passed")
        for f in failures { print("  failed, replay: \(f)") }
        if options.expectFail {
            Output.line("chaos: --expect-fail: \(failures.count) of \(total) run(s) failed a check, as expected" + (failures.count == total ? "" : " (NOT all)"))
            return failures.count == total ? 0 : 1
        }
        return failures.isEmpty ? 0 : 1
    }
}
