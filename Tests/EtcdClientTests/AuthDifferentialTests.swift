import Foundation
import Testing

/// Keel's etcdctl and the real etcdctl 3.4.23 run the same auth/user/role session against a
/// fresh real etcd; stdout, stderr and exit codes must match after normalization.
@Suite(.serialized, .enabled(if: Binaries.exists(Binaries.realEtcdctl) && Binaries.exists(Binaries.realEtcd)
                               && Binaries.exists(Binaries.keelEtcdctl)))
struct EtcdctlAuthDifferentialTests {
    static let root = "--user root:rootpw"

    /// Every auth, user and role command and flag, in each output format, with its errors.
    static let steps: [Step] = [
        .run("auth enable"), .run("auth enable extra"), .run("auth disable extra"),
        .run("user add root:rootpw"), .run("user add alice --interactive=false", input: "alicepw\n"),
        .run("user add bob --new-user-password bobpw -w json"), .run("user add :x"), .run("user add"), .run("user add a b"),
        .run("user add bob:again"), .run("user add carol:c -w protobuf"), .run("user add dan:d -w fields"),
        .run("user add erin:e -w table"),
        .run("role add reader"), .run("role add writer -w json"), .run("role add reader"), .run("role add"),
        .run("role grant-permission reader read foo"), .run("role grant-permission reader READ --prefix pre/"),
        .run("role grant-permission writer readwrite a n -w json"), .run("role grant-permission writer write --from-key zz"),
        .run("role grant-permission writer bogus k"), .run("role grant-permission writer read"),
        .run("role grant-permission writer read k --prefix --from-key"), .run("role grant-permission writer read k l --prefix"),
        .run("role grant-permission writer read k l --from-key"), .run("role grant-permission nope read k"),
        .run("role get reader"), .run("role get writer -w json"), .run("role get writer -w fields"),
        .run("role get writer -w protobuf"), .run("role get nope"), .run("role get"),
        .run("role list"), .run("role list -w json"), .run("role list -w fields"), .run("role list x"),
        .run("user grant-role alice reader"), .run("user grant-role bob writer -w json"), .run("user grant-role bob nope"),
        .run("user grant-role nobody reader"), .run("user grant-role bob"),
        .run("user get alice"), .run("user get bob --detail"), .run("user get alice -w json"), .run("user get alice -w fields"),
        .run("user get nobody"), .run("user list"), .run("user list -w json"), .run("user list -w table"),
        .run("auth enable"),
        .run("get foo"), .run("\(root) put foo v1"), .run("--user root --password rootpw get foo"),
        .run("--user root:wrong get foo"), .run("--user nobody:x get foo"),
        .run("--user alice:alicepw get foo"), .run("--user alice:alicepw put foo v2"),
        .run("--user alice:alicepw get pre/ --prefix"), .run("--user alice:alicepw get pr --prefix"),
        .run("--user bob:bobpw put b v"), .run("--user bob:bobpw get a n -w json"), .run("--user bob:bobpw get a z"),
        .run("--user bob:bobpw del a n"), .run("--user bob:bobpw txn", input: "value(\"b\") = \"v\"\n\nput foo x\n\n\n"),
        .run("--user bob:bobpw defrag"), .run("--user bob:bobpw endpoint hashkv"), .run("--user bob:bobpw endpoint status"),
        .run("\(root) defrag"),
        .run("--user alice:alicepw user list"), .run("--user alice:alicepw user get alice"), .run("--user alice:alicepw role get writer"),
        .run("\(root) user delete root"), .run("\(root) role delete root"), .run("\(root) user revoke-role root root"),
        .run("\(root) user revoke-role alice writer"), .run("\(root) user revoke-role alice reader -w json"),
        .run("\(root) role revoke-permission reader foo"), .run("\(root) role revoke-permission reader foo"),
        .run("\(root) role revoke-permission writer a n"), .run("\(root) role revoke-permission writer zz --from-key"),
        .run("\(root) role revoke-permission reader pre/ --prefix -w json"), .run("\(root) role revoke-permission reader"),
        .run("\(root) user passwd alice --interactive=false", input: "newpw\n"), .run("\(root) user passwd"),
        .run("--user alice:alicepw get foo"), .run("--user alice:newpw get foo"),
        .run("\(root) user delete bob"), .run("\(root) user delete bob"), .run("\(root) role delete writer -w json"),
        .run("\(root) role delete writer"), .run("\(root) user delete"),
        .run("\(root) auth disable"), .run("auth disable"), .run("--user root:rootpw get foo"),
    ]

    @Test func sameAuthOutputAgainstRealEtcd() throws {
        let clientPort = freeLoopbackPort(), peerPort = freeLoopbackPort()
        let real = try SessionRunner(etcdctl: Binaries.realEtcdctl,
                                     server: TestServer(binary: Binaries.realEtcd, clientPort: clientPort, peerPort: peerPort)).run(Self.steps)
        let keel = try SessionRunner(etcdctl: Binaries.keelEtcdctl,
                                     server: TestServer(binary: Binaries.realEtcd, clientPort: clientPort, peerPort: peerPort)).run(Self.steps)
        #expect(real.count == keel.count)
        for (expected, actual) in zip(real, keel) {
            #expect(actual == expected, "etcdctl \(expected.command)")
        }
    }

    @Test func sameHelpForAuthCommands() throws {
        let commands = ["auth", "auth enable", "auth disable", "user", "user add", "user delete", "user get", "user list",
                        "user passwd", "user grant-role", "user revoke-role", "role", "role add", "role delete", "role get",
                        "role list", "role grant-permission", "role revoke-permission"]
        for command in commands {
            let words = command.split(separator: " ").map(String.init) + ["--help"]
            let expected = try ChildProcess.run([Binaries.realEtcdctl] + words)
            let actual = try ChildProcess.run([Binaries.keelEtcdctl] + words)
            #expect(actual == expected, "etcdctl \(command) --help")
        }
    }
}
