import CCrypt
import Foundation

/// bcrypt password hashes through libxcrypt ("$2b$", the same algorithm as Go's bcrypt that etcd
/// uses). Hashing is deliberately slow (2^cost rounds); both functions are thread-safe, so the
/// server may verify on the threadpool.
public enum Bcrypt {
    /// Go's bcrypt limits (etcd falls back to the default for a cost outside them).
    public static let minCost = 4
    public static let maxCost = 31
    public static let defaultCost = 10

    /// A new hash of `password` with a random salt; nil if libcrypt refuses (it never should
    /// for a valid cost).
    public static func hash(_ password: String, cost: Int) -> String? {
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // A nil random buffer asks libcrypt for bytes from the operating system.
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &salt, Int32(salt.count)) != nil else { return nil }
        return crypt(password, setting: salt)
    }

    /// Whether `password` matches `hash` (a bcrypt string from `hash`).
    public static func verify(_ password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$2"), let computed = hash.withCString({ crypt(password, setting: $0) }) else { return false }
        // Constant-time comparison: the hash length is public, its bytes are not.
        let a = Array(computed.utf8), b = Array(hash.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    private static func crypt(_ password: String, setting: UnsafePointer<CChar>) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return nil }
        let text = String(cString: result)
        // libxcrypt reports failure as a string starting with "*".
        return text.hasPrefix("*") ? nil : text
    }
}
