import EtcdAPI
import EtcdClient

/// get, put, del and compaction.
enum KVCommands {
    static func get() -> Command {
        let command = Command(use: "get [options] <key> [range_end]", short: "Gets the key or a range of keys") { invocation in
            let request = KVOptions.rangeRequest(invocation)
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            let response: Etcdserverpb_RangeResponse
            do { response = try client.get(request) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
            var display = printer
            if invocation.bool("print-value-only") {
                guard var simple = printer as? SimplePrinter else {
                    exitWithError(ExitCode.badArgs, "print-value-only is only for `--write-out=simple`")
                }
                simple.valueOnly = true
                display = simple
            }
            display.get(response)
        }
        command.localFlags = KVOptions.getFlags()
        return command
    }

    static let putLong = """

Puts the given key into the store.

When <value> begins with '-', <value> is interpreted as a flag.
Insert '--' for workaround:

$ put <key> -- <value>
$ put -- <key> <value>

If <value> isn't given as a command line argument and '--ignore-value' is not specified,
this command tries to read the value from standard input.

If <lease> isn't given as a command line argument and '--ignore-lease' is not specified,
this command tries to read the value from standard input.

For example,
$ cat file | put <key>
will store the content of the file to <key>.

"""

    static func put() -> Command {
        let command = Command(use: "put [options] <key> <value> (<value> can also be given from stdin)",
                              short: "Puts the given key into the store", long: putLong) { invocation in
            let request = KVOptions.putRequest(invocation)
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.put(try client.put(request)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        command.localFlags = KVOptions.putFlags()
        return command
    }

    static func del() -> Command {
        let command = Command(use: "del [options] <key> [range_end]",
                              short: "Removes the specified key or range of keys [key, range_end)") { invocation in
            let request = KVOptions.deleteRequest(invocation)
            let setup = ClientSetup(invocation: invocation)
            let (client, printer) = setup.mustClient()
            do { printer.del(try client.delete(request)) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
        }
        command.localFlags = KVOptions.delFlags()
        return command
    }

    static func compaction() -> Command {
        let command = Command(use: "compaction [options] <revision>", short: "Compacts the event history in etcd") { invocation in
            guard invocation.arguments.count == 1 else {
                exitWithError(ExitCode.badArgs, "compaction command needs 1 argument")
            }
            let text = invocation.arguments[0]
            if let error = GoParse.int64Error(text, base: 10) { exitWithError(ExitCode.error, error) }
            let revision = GoParse.int64(text, base: 10) ?? 0
            let setup = ClientSetup(invocation: invocation)
            let (client, _) = setup.mustClient()
            do { _ = try client.compact(revision: revision, physical: invocation.bool("physical")) } catch {
                exitWithError(ExitCode.error, ClientSetup.report(error, endpoints: setup.endpointTexts))
            }
            Output.out("compacted revision \(revision)\n")
        }
        command.localFlags = [Flag("physical", kind: .bool, defaultValue: "false",
                                   usage: "'true' to wait for compaction to physically remove all old revisions")]
        return command
    }
}
