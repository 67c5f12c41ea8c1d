internal import Synchronization

/// Request ids for `x-request-id`: 32 hex digits, unique per process (a random prefix chosen
/// at start, then a counter), cheap enough to make for every call.
public enum RequestID {
    private static let prefix: UInt64 = .random(in: 0...UInt64.max)
    private static let counter = Atomic<UInt64>(UInt64.random(in: 0...UInt64(UInt32.max)))

    /// The header that carries it.
    public static let header = "x-request-id"

    /// A new id.
    public static func generate() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        return hex(prefix) + hex(count &* 0x9E37_79B9_7F4A_7C15)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        var v = value
        for i in (0..<16).reversed() {
            out[i] = digits[Int(v & 15)]
            v >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }
}
