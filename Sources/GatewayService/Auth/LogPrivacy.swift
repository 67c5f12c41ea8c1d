internal import CCrypto

/// What may reach the logs about a person (only the gateway logs user ids, so only it links
/// libcrypto): their user id only as a keyed hash
/// (HMAC-SHA256 under a deployment secret, from OpenSSL's libcrypto), so an operator can
/// follow one user's requests across log lines without the log holding the id itself.
///
/// Without a configured key a random one is made per process: hashes then still join the
/// lines of one process, but not across restarts or replicas.
public struct LogPrivacy: Sendable {
    private let key: [UInt8]
    /// Whether the key came from configuration (stable across processes).
    public let isKeyConfigured: Bool

    /// Uses `key` (at least 16 bytes) or, when it is `nil`, a random per-process key.
    public init(key: [UInt8]?) {
        if let key, key.count >= 16 {
            self.key = key
            isKeyConfigured = true
        } else {
            var random = [UInt8](repeating: 0, count: 32)
            let ok = random.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
            precondition(ok == 1, "RAND_bytes failed")
            self.key = random
            isKeyConfigured = false
        }
    }

    /// The user id as logs may carry it: `u_` and 16 hex digits of HMAC-SHA256(key, id);
    /// an empty id stays empty (anonymous).
    public func userHash(_ userID: String) -> String {
        guard !userID.isEmpty else { return "" }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let bytes = Array(userID.utf8)
        let result = key.withUnsafeBytes { key in
            bytes.withUnsafeBytes { data in
                digest.withUnsafeMutableBufferPointer { out in
                    HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, out.baseAddress, &length)
                }
            }
        }
        precondition(result != nil && length == 32, "HMAC-SHA256 failed")
        let digits = Array("0123456789abcdef".utf8)
        var text = "u_"
        for byte in digest.prefix(8) {
            text.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            text.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 15)]))
        }
        return text
    }
}
