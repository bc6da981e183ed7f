import ChaosCheckers
import Foundation

/// `timeline.html` in the run folder: one self-contained page (inline SVG, no scripts, no
/// network) with the faults shaded over the workloads' throughput, latency and errors, per
/// 250 ms bucket, and member kills and restarts marked.
enum TimelineReport {
    struct Series {
        var name: String
        var color: String
        var ops: [TimedOperation]
    }

    static let bucketSeconds = 0.25
    static let fileName = "timeline.html"

    static func write(_ summary: RunSummary, seconds: Double, series: [Series]) {
        let page = html(summary, seconds: seconds, series: series)
        try? Data(page.utf8).write(to: URL(fileURLWithPath: summary.runDir + "/" + fileName))
    }

    // Geometry of the drawing, in SVG units.
    private static let width = 1100.0
    private static let left = 70.0
    private static let right = 20.0
    private static let bandHeight = 64.0
    private static let panelHeight = 170.0
    private static let errorHeight = 60.0
    private static let gap = 28.0

    static func html(_ summary: RunSummary, seconds: Double, series: [Series]) -> String {
        let until = max(seconds, summary.faults.compactMap(\.healedSeconds).max() ?? 0, 1)
        let buckets = series.map { TimelineSeries.buckets($0.ops, widthSeconds: bucketSeconds, untilSeconds: until) }
        let x = { (s: Double) in left + (width - left - right) * s / until }
        var svg = SVGCanvas()
        var top = 10.0
        drawFaultBand(&svg, summary.faults, x: x, top: top)
        top += bandHeight
        let panelsTop = top
        drawFaultShading(&svg, summary.faults, x: x, top: panelsTop, bottom: panelsTop + 2 * (panelHeight + gap) + errorHeight)
        let throughputMax = TimelineSeries.niceCeiling(buckets.flatMap { $0.map(\.throughput) }.max() ?? 0)
        drawPanel(&svg, title: "ok ops/s (per \(Int(bucketSeconds * 1000)) ms)", top: top, height: panelHeight, until: until, x: x,
                  ticks: [0, throughputMax / 2, throughputMax].map { ($0, String(format: "%.0f", $0)) })
        for (s, b) in zip(series, buckets) {
            let y = { (v: Double) in top + panelHeight * (1 - v / throughputMax) }
            svg.polyline(b.map { (x($0.startSeconds + bucketSeconds / 2), y($0.throughput)) }, color: s.color, width: 1.5)
        }
        top += panelHeight + gap
        drawLatency(&svg, series: series, buckets: buckets, top: top, until: until, x: x)
        top += panelHeight + gap
        // The series' errors are stacked per bucket.
        let errorTotals = (0..<(buckets.first?.count ?? 0)).map { i in buckets.reduce(0) { $0 + $1[i].notOk } }
        let errorMax = TimelineSeries.niceCeiling(Double(errorTotals.max() ?? 0))
        drawPanel(&svg, title: "failed or unknown ops (per bucket)", top: top, height: errorHeight, until: until, x: x,
                  ticks: [(0, "0"), (errorMax, String(format: "%.0f", errorMax))])
        let barWidth = max(1, x(bucketSeconds) - x(0) - 1)
        var stacked = [Double](repeating: 0, count: errorTotals.count)
        for (s, b) in zip(series, buckets) {
            for (i, bucket) in b.enumerated() where bucket.notOk > 0 {
                let h = errorHeight * Double(bucket.notOk) / errorMax
                stacked[i] += h
                svg.rect(x: x(bucket.startSeconds), y: top + errorHeight - stacked[i], width: barWidth, height: h, fill: s.color)
            }
        }
        top += errorHeight + gap
        drawTimeAxis(&svg, until: until, x: x, top: top - gap + 4)
        svg.height = top + 10
        return page(summary, svg: svg.render(width: width), series: series, buckets: buckets)
    }

    // MARK: drawing

    private static func drawPanel(_ svg: inout SVGCanvas, title: String, top: Double, height: Double, until: Double,
                                  x: (Double) -> Double, ticks: [(Double, String)], logScale: (Double) -> Double = { $0 }) {
        let maxValue = ticks.map(\.0).max() ?? 1
        svg.rect(x: left, y: top, width: width - left - right, height: height, fill: "none", stroke: "#999")
        svg.text(title, x: left + 4, y: top - 6, size: 12, anchor: "start")
        for (value, label) in ticks {
            let y = top + height * (1 - logScale(value) / logScale(maxValue))
            svg.line(x1: left - 4, y1: y, x2: width - right, y2: y, color: "#ddd")
            svg.text(label, x: left - 6, y: y + 4, size: 10, anchor: "end")
        }
    }

    /// p99 (solid) and p50 (dashed) per bucket on a log scale from 0.1 ms.
    private static func drawLatency(_ svg: inout SVGCanvas, series: [Series], buckets: [[TimelineBucket]], top: Double,
                                    until: Double, x: (Double) -> Double) {
        let highest = buckets.flatMap { $0.compactMap(\.p99Milliseconds) }.max() ?? 1
        let ceiling = TimelineSeries.niceCeiling(max(highest, 1))
        let scale = { (ms: Double) in log10(max(ms, 0.1)) + 1 }  // 0.1 ms → 0
        var ticks: [(Double, String)] = []
        var t = 0.1
        while t <= ceiling * 1.0001 { ticks.append((t, t < 1 ? "0.1 ms" : String(format: "%.0f ms", t))); t *= 10 }
        if ticks.last?.0 != ceiling { ticks.append((ceiling, String(format: "%.0f ms", ceiling))) }
        drawPanel(&svg, title: "latency of ok ops: p99 solid, p50 dashed (log scale)", top: top, height: panelHeight, until: until,
                  x: x, ticks: ticks, logScale: scale)
        let y = { (ms: Double) in top + panelHeight * (1 - scale(ms) / scale(ceiling)) }
        for (s, b) in zip(series, buckets) {
            for (pick, dashed) in [(\TimelineBucket.p99Milliseconds, false), (\TimelineBucket.p50Milliseconds, true)] {
                // Buckets without completions break the line rather than drawing it to zero.
                var run: [(Double, Double)] = []
                for bucket in b {
                    if let ms = bucket[keyPath: pick] {
                        run.append((x(bucket.startSeconds + bucketSeconds / 2), y(ms)))
                    } else {
                        svg.polyline(run, color: s.color, width: 1.2, dashed: dashed)
                        run = []
                    }
                }
                svg.polyline(run, color: s.color, width: 1.2, dashed: dashed)
            }
        }
    }

    private static func drawTimeAxis(_ svg: inout SVGCanvas, until: Double, x: (Double) -> Double, top: Double) {
        let step = until > 30 ? 5.0 : (until > 10 ? 2.0 : 1.0)
        var s = 0.0
        while s <= until + 1e-9 {
            svg.text(String(format: "%.0fs", s), x: x(s), y: top + 10, size: 10, anchor: "middle")
            s += step
        }
    }

    private static func color(of kind: FaultKind) -> String {
        switch kind {
        case .killLeader, .killFollower, .killQuorum, .termLeader, .termFollower: "#d62728"
        case .pauseLeader, .pauseFollower: "#ff7f0e"
        case .delay, .drop, .resetLinks: "#9467bd"
        default: "#1f77b4"
        }
    }

    /// The fault's colour blended with white: opaque, so every SVG renderer shows it the same
    /// way, and pale enough for the series drawn over it.
    private static func shade(of kind: FaultKind) -> String {
        switch kind {
        case .killLeader, .killFollower, .killQuorum, .termLeader, .termFollower: "#f7d4d4"
        case .pauseLeader, .pauseFollower: "#ffe5cf"
        case .delay, .drop, .resetLinks: "#e9e1f0"
        default: "#d2e4f0"
        }
    }

    private static func isStop(_ kind: FaultKind) -> Bool {
        [.killLeader, .killFollower, .killQuorum, .termLeader, .termFollower].contains(kind)
    }

    /// Labels on three staggered rows above the panels, so neighbouring faults stay readable.
    private static func drawFaultBand(_ svg: inout SVGCanvas, _ faults: [FaultEvent], x: (Double) -> Double, top: Double) {
        svg.text("faults", x: left - 6, y: top + 12, size: 11, anchor: "end")
        for (i, f) in faults.enumerated() {
            let y = top + 12 + Double(i % 3) * 14
            let label = "\(f.kind.rawValue) \(f.targets.joined(separator: ","))"
            svg.text(label, x: x(f.atSeconds) + 2, y: y, size: 10, anchor: "start", color: color(of: f.kind))
        }
    }

    private static func drawFaultShading(_ svg: inout SVGCanvas, _ faults: [FaultEvent], x: (Double) -> Double, top: Double, bottom: Double) {
        for f in faults {
            let end = f.healedSeconds ?? f.atSeconds
            svg.rect(x: x(f.atSeconds), y: top - 12, width: max(1, x(end) - x(f.atSeconds)), height: bottom - top + 12,
                     fill: shade(of: f.kind))
            guard isStop(f.kind) else { continue }
            // A stopped member is restarted when the fault heals.
            svg.line(x1: x(f.atSeconds), y1: top - 12, x2: x(f.atSeconds), y2: bottom, color: "#d62728", width: 1.5)
            svg.line(x1: x(end), y1: top - 12, x2: x(end), y2: bottom, color: "#2ca02c", width: 1.5, dashed: true)
            svg.text("✕ " + f.targets.joined(separator: ","), x: x(f.atSeconds) + 2, y: bottom - 4, size: 9, anchor: "start", color: "#d62728")
            svg.text("↻ " + f.targets.joined(separator: ","), x: x(end) + 2, y: bottom - 14, size: 9, anchor: "start", color: "#2ca02c")
        }
    }

    // MARK: page

    private static func page(_ summary: RunSummary, svg: String, series: [Series], buckets: [[TimelineBucket]]) -> String {
        let legend = zip(series, buckets).map { s, b in
            let ok = b.reduce(0) { $0 + $1.ok }
            let notOk = b.reduce(0) { $0 + $1.notOk }
            return "<span style=\"color:\(s.color)\">■</span> \(escape(s.name)): \(ok) ok, \(notOk) failed or unknown"
        }.joined(separator: " &nbsp; ")
        let faultRows = summary.faults.map { f in
            let healed = f.healedSeconds.map { String(format: "%.2fs", $0) } ?? "?"
            return "<tr><td>\(String(format: "%.2fs", f.atSeconds))</td><td>\(healed)</td><td>\(escape(f.kind.rawValue))</td>"
                + "<td>\(escape(f.targets.joined(separator: ",")))</td><td>\(escape(f.detail))</td></tr>"
        }.joined(separator: "\n")
        let verdicts = summary.verdicts.map { "<li><b>\($0.label)</b> \(escape($0.check)): \(escape($0.detail))</li>" }.joined(separator: "\n")
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>chaos \(escape(summary.scenario)) seed \(summary.seed)</title>
        <style>body{font-family:sans-serif;margin:16px;color:#222}table{border-collapse:collapse;font-size:12px}
        td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}li{font-size:13px}</style></head><body>
        <h2>\(escape(summary.scenario)) seed \(summary.seed): \(summary.passed ? "PASS" : "FAIL")</h2>
        <p>\(summary.members) member(s); \(legend). Shaded: fault intervals (red: kill/term, orange: pause,
        blue: partition, purple: delay/drop/reset); red line ✕: member stopped, green dashed ↻: restarted.</p>
        \(svg)
        <h3>Verdicts</h3><ul>\(verdicts)</ul>
        <h3>Faults</h3><table><tr><th>at</th><th>healed</th><th>kind</th><th>targets</th><th>detail</th></tr>
        \(faultRows)</table>
        </body></html>
        """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A few SVG primitives appended as text.
struct SVGCanvas {
    private var parts: [String] = []
    var height = 100.0

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        let strokeAttr = " stroke=\"\(stroke ?? "none")\""
        parts.append("<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" fill=\"\(fill)\"\(strokeAttr)/>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String, width: Double = 1, dashed: Bool = false) {
        parts.append("<line x1=\"\(Self.f(x1))\" y1=\"\(Self.f(y1))\" x2=\"\(Self.f(x2))\" y2=\"\(Self.f(y2))\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, width: Double, dashed: Bool = false) {
        guard points.count > 1 else {
            if let p = points.first { parts.append("<circle cx=\"\(Self.f(p.0))\" cy=\"\(Self.f(p.1))\" r=\"1.5\" fill=\"\(color)\"/>") }
            return
        }
        let list = points.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " ")
        parts.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>")
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double, anchor: String, color: String = "#333") {
        parts.append("<text x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" font-size=\"\(Self.f(size))\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(TimelineReport.escape(s))</text>")
    }

    func render(width: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" viewBox=\"0 0 \(Self.f(width)) \(Self.f(height))\">\n"
            + parts.joined(separator: "\n") + "\n</svg>"
    }
}
