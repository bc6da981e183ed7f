import Foundation

/// Each member's clock control file (read by the server when `KEEL_CLOCK_CONTROL` names it,
/// see Sources/EtcdServer/Member/MemberClock.swift): `rate=<r> offset_ms=<n>`. The server
/// re-reads it every 100 ms; a rate other than 1 skews its clock, a growing offset jumps it.
struct ClockSetting: Equatable {
    var rate: Double
    var offsetMilliseconds: UInt64

    static let real = ClockSetting(rate: 1, offsetMilliseconds: 0)

    var text: String { "rate=\(rate) offset_ms=\(offsetMilliseconds)\n" }

    /// The harness only reads files it wrote itself; anything else counts as unskewed.
    static func parse(_ text: String) -> ClockSetting? {
        var rate: Double?
        var offset: UInt64?
        for token in text.split(whereSeparator: \.isWhitespace) {
            let kv = token.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { return nil }
            if kv[0] == "rate" { rate = Double(kv[1]) } else if kv[0] == "offset_ms" { offset = UInt64(kv[1]) }
        }
        guard let rate, let offset else { return nil }
        return ClockSetting(rate: rate, offsetMilliseconds: offset)
    }
}

extension ChaosCluster {
    static let clockControlVariable = "KEEL_CLOCK_CONTROL"

    func clockControlPath(_ m: MemberProcess) -> String { m.dataDir + ".clock" }

    /// The environment of one member: the cluster's, plus its clock control file when enabled
    /// (created unskewed on first start; a restarted member keeps the current setting).
    func environment(for m: MemberProcess) throws -> [String: String] {
        guard clockControl else { return environment }
        if clock(m) == nil { try setClock(m, .real) }
        var env = environment
        env[Self.clockControlVariable] = clockControlPath(m)
        return env
    }

    func clock(_ m: MemberProcess) -> ClockSetting? {
        guard let data = FileManager.default.contents(atPath: clockControlPath(m)) else { return nil }
        return ClockSetting.parse(String(decoding: data, as: UTF8.self))
    }

    /// Written to a temporary file and renamed, so the member never reads half a setting.
    func setClock(_ m: MemberProcess, _ setting: ClockSetting) throws {
        let path = clockControlPath(m)
        let temporary = path + ".tmp"
        try Data(setting.text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw ChaosError("cannot rename \(temporary) to \(path): errno \(errno)") }
    }
}
