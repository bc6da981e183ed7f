import Foundation

extension EtcdIntegration {
    /// Where the integration tests find programs and put their files.
    enum IntegrationPaths {
        /// The reference etcd 3.4 server (Debian `etcd-server`).
        static let referenceEtcd = "/usr/bin/etcd"
        /// The real etcdctl 3.4 (Debian `etcd-client`): every test drives servers with it.
        static let realEtcdctl = "/usr/bin/etcdctl"

        static var referenceEtcdInstalled: Bool { FileManager.default.isExecutableFile(atPath: referenceEtcd) }
        static var realEtcdctlInstalled: Bool { FileManager.default.isExecutableFile(atPath: realEtcdctl) }

        /// One scratch directory per test process; every server data dir and captured output lives
        /// below it, so nothing leaks into the repository.
        static let scratch: String = {
            let path = NSTemporaryDirectory() + "keel-itest-\(getpid())"
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }()

        /// A fresh, empty directory below `scratch`.
        static func freshDirectory(_ label: String) -> String {
            let path = scratch + "/" + label + "-" + UUID().uuidString.prefix(8)
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }

        /// Keel's `etcd`: $KEEL_ETCD_BIN if set, else the `etcd` SwiftPM built next to the running
        /// test executable (.build/<triple>/debug/). Returns an explanation when there is none.
        static func keelEtcd() -> Result<String, MissingBinary> {
            if let fromEnv = ProcessInfo.processInfo.environment["KEEL_ETCD_BIN"], !fromEnv.isEmpty {
                guard FileManager.default.isExecutableFile(atPath: fromEnv) else {
                    return .failure(MissingBinary(message: "KEEL_ETCD_BIN=\(fromEnv) is not an executable file"))
                }
                return .success(fromEnv)
            }
            let candidate = testExecutableDirectory() + "/etcd"
            guard FileManager.default.isExecutableFile(atPath: candidate) else {
                return .failure(MissingBinary(message:
                    "Keel's etcd not found at \(candidate); build it (swift build --product etcd) or set KEEL_ETCD_BIN"))
            }
            return .success(candidate)
        }

        /// The directory holding the running test executable (SwiftPM builds `etcd` beside it).
        static func testExecutableDirectory() -> String {
            #if os(Linux)
            if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return URL(fileURLWithPath: exe).deletingLastPathComponent().path
            }
            #endif
            let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            // On macOS the test binary sits inside Foo.xctest/Contents/MacOS/: use the bundle's parent.
            var dir = exe.deletingLastPathComponent()
            if let bundle = exe.pathComponents.lastIndex(where: { $0.hasSuffix(".xctest") }) {
                dir = URL(fileURLWithPath: "/" + exe.pathComponents[1..<bundle].joined(separator: "/"))
            }
            return dir.path
        }

        /// The Go sources of the client check, found relative to this file.
        static func goSourceDirectory(_ name: String, file: String = #filePath) -> String {
            URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("go").appendingPathComponent(name).path
        }
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
