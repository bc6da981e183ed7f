/// The cluster's view of its own membership after healing: every member's MemberList must
/// agree, name exactly the members the harness runs (no learner left, no removed member, no
/// duplicate), and include the member that answered under its own ID.
public enum MembershipChecker {
    /// One member of a MemberList answer, as compared (URL lists sorted).
    public struct Entry: Hashable, Sendable, Comparable {
        public var id: UInt64
        public var name: String
        public var peerURLs: [String]
        public var clientURLs: [String]
        public var isLearner: Bool

        public init(id: UInt64, name: String, peerURLs: [String], clientURLs: [String], isLearner: Bool) {
            self.id = id
            self.name = name
            self.peerURLs = peerURLs.sorted()
            self.clientURLs = clientURLs.sorted()
            self.isLearner = isLearner
        }

        public static func < (a: Entry, b: Entry) -> Bool { (a.name, a.id) < (b.name, b.id) }

        var text: String {
            "\(String(id, radix: 16)) \(name.isEmpty ? "(unstarted)" : name) \(peerURLs.joined(separator: ","))"
                + (isLearner ? " learner" : "") + " clients=\(clientURLs.joined(separator: ","))"
        }
    }

    /// What one member answered (nil entries: no answer).
    public struct View: Sendable, Equatable {
        public var member: String
        /// The answering member's own ID (the response header's member_id).
        public var selfID: UInt64?
        public var entries: [Entry]?
        public var error: String?

        public init(member: String, selfID: UInt64?, entries: [Entry]?, error: String? = nil) {
            self.member = member
            self.selfID = selfID
            self.entries = entries.map { $0.sorted() }
            self.error = error
        }
    }

    /// Whether every member answered with the same list (the harness polls until this holds).
    public static func agree(_ views: [View]) -> Bool {
        guard let first = views.first?.entries else { return false }
        return views.allSatisfy { $0.entries == first }
    }

    public static func check(_ views: [View], expectedNames: [String]) -> Verdict {
        let evidence = views.map { v in
            "\(v.member) (\(v.selfID.map { String($0, radix: 16) } ?? "?")): "
                + (v.entries.map { $0.map(\.text).joined(separator: "; ") } ?? "no answer (\(v.error ?? "?"))")
        }
        func fail(_ detail: String) -> Verdict { Verdict(check: "membership", passed: false, detail: detail, evidence: evidence) }
        let silent = views.filter { $0.entries == nil }
        if !silent.isEmpty { return fail("\(silent.count) member(s) gave no member list") }
        guard agree(views), let list = views.first?.entries else { return fail("members disagree about the membership") }
        if list.map(\.name).sorted() != expectedNames.sorted() {
            return fail("member list names \(list.map(\.name).sorted()), expected \(expectedNames.sorted())")
        }
        if Set(list.map(\.id)).count != list.count { return fail("a member ID appears twice") }
        if Set(list.flatMap(\.peerURLs)).count != list.flatMap(\.peerURLs).count { return fail("a peer URL belongs to two members") }
        if let learner = list.first(where: \.isLearner) { return fail("\(learner.name) is still a learner") }
        if let unpublished = list.first(where: { $0.clientURLs.isEmpty }) { return fail("\(unpublished.name) never published its client URLs") }
        for v in views {
            guard let id = v.selfID, list.contains(where: { $0.id == id && $0.name == v.member }) else {
                return fail("\(v.member) is not in the list under its own ID")
            }
        }
        return Verdict(check: "membership", passed: true, detail: "\(views.count) members agree on \(list.count) voting members")
    }
}
