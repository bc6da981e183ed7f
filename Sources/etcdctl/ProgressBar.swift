import Dispatch
import EtcdClient
import Foundation
import Glibc
import Synchronization

/// cheggaaa/pb v1 as etcdctl's check commands use it (format "Bom !"): every 200 ms it
/// rewrites one line, "\r" + counters, bar (only when the terminal width is known), percent
/// and time left; `finish()` prints the final line with the time spent and a newline.
final class ProgressBar: Sendable {
    private let total: Int64
    private let current = Atomic<Int64>(0)
    private let state = Mutex<(changed: UInt64, previous: Int64, finished: Bool)>((0, 0, false))
    private let start = DispatchTime.now().uptimeNanoseconds
    private let width: Int
    nonisolated(unsafe) private var timer: DispatchSourceTimer?

    init(total: Int64) {
        self.total = total
        width = ProgressBar.terminalWidth()
        state.withLock { $0.changed = start }
    }

    func begin() {
        update()
        let source = DispatchSource.makeTimerSource(queue: .global())
        source.schedule(deadline: .now() + 0.2, repeating: 0.2)
        source.setEventHandler { [self] in update() }
        source.resume()
        timer = source
    }

    func add(_ count: Int64) { current.add(count, ordering: .relaxed) }

    func finish() {
        timer?.cancel()
        let first = state.withLock { s in
            defer { s.finished = true }
            return !s.finished
        }
        guard first else { return }
        Output.out("\r" + line(current.load(ordering: .relaxed), finished: true) + "\n")
    }

    private func update() {
        let value = current.load(ordering: .relaxed)
        let now = DispatchTime.now().uptimeNanoseconds
        let finished = state.withLock { s -> Bool in
            if s.previous != value {
                s.changed = now
                s.previous = value
            }
            return s.finished
        }
        if !finished { Output.out("\r" + line(value, finished: false)) }
    }

    private func line(_ value: Int64, finished: Bool) -> String {
        let percent = " " + String(format: "%6.02f%%", total > 0 ? Double(value) / (Double(total) / 100) : Double(value) / 100)
        let counters = " \(value) / \(total) "
        let now = DispatchTime.now().uptimeNanoseconds
        let changed = state.withLock { $0.changed }
        var timeBox = ""
        if finished {
            timeBox = " " + GoFormat.duration(nanoseconds: (now - start) / 1_000_000_000 * 1_000_000_000)
        } else if value > 0 {
            let perEntry = (changed - start) / UInt64(value)
            var left = Int64(total - value) * Int64(perEntry) - Int64(now - changed)
            left = left / 1_000_000_000 * 1_000_000_000
            if left > 0 { timeBox = " " + Self.pbDuration(left) }
        }
        var bar = ""
        let fixed = counters.count + 2 + percent.count + timeBox.count
        let size = width - fixed
        if size > 0 {
            let filled = min(Int((Double(value) / Double(max(total, 1)) * Double(size)).rounded(.up)), size)
            let empty = max(size - filled, 0)
            bar = "B"
            if empty <= 0 { bar += String(repeating: "o", count: filled) } else if filled > 0 {
                bar += String(repeating: "o", count: filled - 1) + "m"
            }
            bar += String(repeating: " ", count: empty) + "!"
        }
        let out = counters + bar + percent + timeBox
        return out + String(repeating: " ", count: max(width - out.count, 0))
    }

    /// pb's U_DURATION: "[Nd][Nh]MMmSSs".
    static func pbDuration(_ nanoseconds: Int64) -> String {
        var seconds = nanoseconds / 1_000_000_000
        var text = ""
        if seconds > 86_400 { text += "\(seconds / 86_400)d"; seconds %= 86_400 }
        if seconds > 3_600 { text += "\(seconds / 3_600)h"; seconds %= 3_600 }
        return text + String(format: "%02dm%02ds", seconds / 60, seconds % 60)
    }

    /// The controlling terminal's width (pb asks /dev/tty, else stdin); 0 without one.
    static func terminalWidth() -> Int {
        var size = winsize()
        let tty = open("/dev/tty", O_RDONLY)
        let descriptor = tty >= 0 ? tty : 0
        defer { if tty >= 0 { close(tty) } }
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 else { return 0 }
        return Int(size.ws_col)
    }
}
