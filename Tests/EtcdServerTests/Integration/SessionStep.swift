extension EtcdIntegration {
    /// One step of the scripted etcdctl session the differential test runs against both servers.
    /// Arguments may name per-server values: `{lease:NAME}` (a lease captured earlier, as etcdctl
    /// prints it), `{leasedec:NAME}` (the same in decimal, for the JSON gateway), `{rev}` (the
    /// member's current revision, read just before the step) and `{tmp}` (this server's scratch directory). `--endpoints` is added by the runner.
    struct SessionStep: Sendable {
        enum Action: Sendable {
            /// etcdctl to completion, with optional stdin.
            case ctl([String], stdin: String?)
            /// A watcher in the background: started, given time to register, then `during` runs;
            /// the watcher is stopped (SIGTERM) once its stdout contains `until` (or after a bound).
            case watch([String], during: [[String]], until: String?)
            /// `etcdctl watch -i <flags>`: `commands` are written to its stdin, `during` runs, then
            /// stdin is closed, which makes etcdctl exit (deterministically) on EOF.
            case interactiveWatch(flags: [String], commands: [String], during: [[String]], until: String)
            /// `snapshot save {tmp}/<file>`: exit code and stdout compared; the file must be non-empty;
            /// `snapshot status` must work on the reference server's file.
            case snapshot(file: String)
            /// Polls (reads only, so revisions stay deterministic) until `key` is gone, at most
            /// `timeout` seconds: lease expiry.
            case waitUntilGone(key: String, timeout: Double)
            /// Puts `<prefix>N` with `valueBytes`-byte values until a put fails (at most `maxPuts`);
            /// observes whether one failed and that put's stderr and exit code (how many fit
            /// depends on the backend's file layout, so the count is not compared).
            case fillUntilFailure(prefix: String, valueBytes: Int, maxPuts: Int)
            /// SIGTERM the member and start it again on the same data dir and ports.
            case restart
            /// An HTTP/1.1 request to the client port with curl: body and status compared. With
            /// `metrics`, only whether each named metric appears (values differ by nature).
            case http(method: String, path: String, body: String?, metrics: [String]?)
        }

        var action: Action
        /// Remember the lease ID printed by this step (`lease <hex> granted ...`) under this name.
        var captureLease: String? = nil
        /// Some commands (snapshot save) log zap lines with timestamps and paths on stderr.
        var compareStderr = true
        /// Only the exit code counts (outputs that depend on backend sizes, e.g. a deleted count).
        var compareExitOnly = false

        static func http(_ method: String, _ path: String, _ body: String? = nil, lease: String? = nil) -> SessionStep {
            SessionStep(action: .http(method: method, path: path, body: body, metrics: nil), captureLease: lease)
        }

        static func ctl(_ args: String..., stdin: String? = nil, lease: String? = nil) -> SessionStep {
            SessionStep(action: .ctl(args, stdin: stdin), captureLease: lease)
        }

        /// The step as a user would type it, for reports.
        var commandLine: String {
            switch action {
            case .ctl(let args, let stdin):
                return "etcdctl " + args.joined(separator: " ") + (stdin.map { " <<< " + $0.debugDescription } ?? "")
            case .watch(let args, let during, _):
                return "etcdctl " + args.joined(separator: " ") + " & " + during.map { $0.joined(separator: " ") }.joined(separator: "; ")
            case .interactiveWatch(let flags, let commands, let during, _):
                return "etcdctl watch -i " + flags.joined(separator: " ") + " <<< " + commands.description
                    + " & " + during.map { $0.joined(separator: " ") }.joined(separator: "; ")
            case .snapshot(let file):
                return "etcdctl snapshot save {tmp}/\(file)"
            case .http(let method, let path, let body, _):
                return "curl -X \(method) http://<endpoint>\(path)" + (body.map { " -d '\($0)'" } ?? "")
            case .restart:
                return "kill -TERM <member>; start it again on the same data dir"
            case .fillUntilFailure(let prefix, let bytes, let maxPuts):
                return "etcdctl put \(prefix)N <\(bytes) bytes> until it fails (at most \(maxPuts))"
            case .waitUntilGone(let key, let timeout):
                return "until `etcdctl get \(key)` is empty (at most \(Int(timeout)) s)"
            }
        }
    }
}
