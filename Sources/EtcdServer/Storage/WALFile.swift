import Glibc

/// Thin, throwing wrappers over the system calls the WAL uses. Each names the path in its
/// error so an operator knows which file failed. EINTR is retried everywhere.
enum WALFile {
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw WALError.io("open", path, errno: errno) }
        }
    }

    /// Writes all of `bytes` at `offset`, looping over short writes.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw WALError.io("write", path, errno: errno)
            }
            done += n
        }
    }

    /// The whole content of an open file.
    static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw WALError.io("stat", path, errno: errno) }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < size {
                let n = pread(fd, buffer.baseAddress! + done, size - done, off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WALError.io("read", path, errno: errno)
                }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    static func dataSync(_ fd: Int32, path: String) throws {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw WALError.io("fdatasync", path, errno: errno) }
        }
    }

    static func fullSync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw WALError.io("fsync", path, errno: errno) }
        }
    }

    static func truncate(_ fd: Int32, to size: Int, path: String) throws {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw WALError.io("truncate", path, errno: errno) }
        }
    }

    /// Reserves `size` bytes of zeros so later appends only overwrite already-allocated blocks
    /// (fdatasync then has no size metadata to flush). glibc's posix_fallocate uses the
    /// fallocate system call and only writes zeros itself where the filesystem lacks it; if
    /// the filesystem refuses outright, the file simply grows as records are written.
    static func preallocate(_ fd: Int32, size: Int, path: String) throws {
        let result = posix_fallocate(fd, 0, off_t(size))
        guard result == 0 || result == EOPNOTSUPP || result == EINVAL || result == ENOSYS else {
            throw WALError.io("fallocate", path, errno: result)
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)  // Linux releases the descriptor even on EINTR: never retry
    }

    static func unlink(_ path: String) throws {
        if Glibc.unlink(path) != 0 && errno != ENOENT { throw WALError.io("remove", path, errno: errno) }
    }

    /// Creates `path` and its missing parents (like `mkdir -p`), fsyncing the parent of each
    /// directory it creates so the new directory survives a power loss.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        var parent = path.hasPrefix("/") ? "/" : "."
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) == 0 {
                let fd = try open(parent, flags: O_RDONLY | O_DIRECTORY)
                defer { close(fd) }
                try fullSync(fd, path: parent)
            } else if errno != EEXIST {
                throw WALError.io("mkdir", prefix, errno: errno)
            }
            parent = prefix
            prefix += "/"
        }
    }

    /// The names of the entries of a directory, sorted.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw WALError.io("opendir", path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
