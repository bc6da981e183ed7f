import Foundation
import Raft

/// Members as JSON, in the shapes etcd uses: the context of a configuration change carries the
/// whole member; a published attributes update carries its name and client URLs.
enum MemberCodec {
    private struct Wire: Codable {
        var id: UInt64
        var name: String?
        var peerURLs: [String]
        var clientURLs: [String]?
        var isLearner: Bool?
    }

    struct Attributes: Codable {
        var name: String
        var clientURLs: [String]
    }

    static func encode(_ m: Member) -> [UInt8] {
        let wire = Wire(id: m.id.rawValue, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs,
                        isLearner: m.isLearner ? true : nil)
        return (try? [UInt8](JSONEncoder().encode(wire))) ?? []
    }

    static func decode(_ bytes: [UInt8]) -> Member? {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)) else { return nil }
        return Member(id: NodeID(rawValue: wire.id), name: wire.name ?? "", peerURLs: wire.peerURLs,
                      clientURLs: wire.clientURLs ?? [], isLearner: wire.isLearner ?? false)
    }

    static func attributesJSON(name: String, clientURLs: [String]) -> String {
        let data = (try? JSONEncoder().encode(Attributes(name: name, clientURLs: clientURLs))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeAttributes(_ json: String) -> Attributes? {
        try? JSONDecoder().decode(Attributes.self, from: Data(json.utf8))
    }
}
