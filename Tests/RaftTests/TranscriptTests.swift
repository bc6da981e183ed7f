// Transcript (data-driven) scenario tests. Each file in testdata/ is a sequence of blocks:
//
//   # optional comment lines
//   command args...
//   ----
//   expected output (no blank lines)
//   <blank line>
//
// Run with KEEL_REWRITE=1 to regenerate the expected output from the current behaviour.

import Foundation
import Testing

struct TranscriptBlock {
    var comments: [String]
    var command: String
    var expected: [String]
}

enum TranscriptFile {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")
    }

    static func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".txt") }.sorted()
    }

    static func parse(_ text: String) -> [TranscriptBlock] {
        var blocks: [TranscriptBlock] = []
        var lines = text.components(separatedBy: "\n")[...]
        while !lines.isEmpty {
            var comments: [String] = []
            while let l = lines.first, l.hasPrefix("#") || l.trimmingCharacters(in: .whitespaces).isEmpty {
                if l.hasPrefix("#") { comments.append(l) }
                lines.removeFirst()
            }
            guard let command = lines.popFirst() else { break }
            var expected: [String] = []
            if lines.first == "----" {
                lines.removeFirst()
                while let l = lines.first, !l.isEmpty {
                    expected.append(l)
                    lines.removeFirst()
                }
            }
            blocks.append(TranscriptBlock(comments: comments, command: command, expected: expected))
        }
        return blocks
    }

    static func render(_ blocks: [TranscriptBlock]) -> String {
        blocks.map { b in
            (b.comments + [b.command, "----"] + b.expected).joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }
}

@Suite("Transcripts")
struct TranscriptTests {
    @Test("testdata directory holds the scenario transcripts")
    func filesExist() {
        #expect(TranscriptFile.names().count >= 6)
    }

    @Test("transcript", arguments: TranscriptFile.names())
    func transcript(_ name: String) throws {
        let url = TranscriptFile.directory.appendingPathComponent(name)
        let blocks = TranscriptFile.parse(try String(contentsOf: url, encoding: .utf8))
        let interp = TranscriptInterpreter()
        var actual: [TranscriptBlock] = []
        for b in blocks {
            var got = b
            got.expected = interp.run(b.command)
            actual.append(got)
            if ProcessInfo.processInfo.environment["KEEL_REWRITE"] == nil {
                #expect(got.expected == b.expected, "\(name): `\(b.command)`\n--- expected\n\(b.expected.joined(separator: "\n"))\n--- got\n\(got.expected.joined(separator: "\n"))")
            }
        }
        if ProcessInfo.processInfo.environment["KEEL_REWRITE"] != nil {
            try TranscriptFile.render(actual).write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
