/// Go's text/tabwriter as etcdctl configures it (minwidth 0, tabwidth 8, padding 1, tab
/// padding): cells end with '\t'; a column is as wide as its widest cell in a block of
/// consecutive lines that have that column.
public struct TabWriter {
    public static let tabWidth = 8
    public static let padding = 1

    public static func format(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let endsWithNewline = text.hasSuffix("\n")
        if endsWithNewline { lines.removeLast() }
        var writer = TabWriter(lines: lines)
        writer.run(line0: 0, line1: lines.count)
        return writer.output.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
    }

    private let lines: [[String]]
    private var widths: [Int] = []
    private var output: [String] = []
    private var written = 0

    private init(lines: [[String]]) { self.lines = lines }

    private mutating func run(line0 start: Int, line1 end: Int) {
        var line0 = start
        let column = widths.count
        var this = line0
        while this < end {
            if column >= lines[this].count - 1 { this += 1; continue }
            writeLines(line0, this)
            line0 = this
            var width = 0
            while this < end, column < lines[this].count - 1 {
                width = max(width, lines[this][column].unicodeScalars.count + TabWriter.padding)
                this += 1
            }
            widths.append(width)
            run(line0: line0, line1: this)
            widths.removeLast()
            line0 = this
        }
        writeLines(line0, end)
    }

    private mutating func writeLines(_ line0: Int, _ line1: Int) {
        guard line0 < line1 else { return }
        for index in line0..<line1 {
            var text = ""
            for (column, cell) in lines[index].enumerated() {
                text += cell
                if column < widths.count && column < lines[index].count - 1 {
                    let cellWidth = (widths[column] + TabWriter.tabWidth - 1) / TabWriter.tabWidth * TabWriter.tabWidth
                    let pad = cellWidth - cell.unicodeScalars.count
                    text += String(repeating: "\t", count: (pad + TabWriter.tabWidth - 1) / TabWriter.tabWidth)
                }
            }
            output.append(text)
        }
    }
}
