import Foundation
import Glibc

/// The Prometheus process collector's memory gauges that etcd exports (etcdctl check
/// datascale reads process_resident_memory_bytes), from /proc/self/statm.
enum ProcessMetrics {
    static func render() -> String {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return "" }
        let pages = statm.split(separator: " ").compactMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard pages.count >= 2 else { return "" }
        let pageBytes = Int64(sysconf(Int32(_SC_PAGESIZE)))
        return "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n"
            + "process_resident_memory_bytes \(pages[1] * pageBytes)\n"
            + "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n# TYPE process_virtual_memory_bytes gauge\n"
            + "process_virtual_memory_bytes \(pages[0] * pageBytes)\n"
    }
}
