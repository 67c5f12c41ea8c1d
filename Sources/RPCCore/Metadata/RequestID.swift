internal import Synchronization

/// Request ids for `x-request-id`: 32 hex digits, unique per process (a random prefix chosen
/// at start, then a scrambled counter), cheap enough to make for every call.
public enum RequestID {
    private static let prefix: UInt64 = .random(in: 0...UInt64.max)
    private static let counter = Atomic<UInt64>(UInt64.random(in: 0...UInt64(UInt32.max)))

    /// The header that carries it.
    public static let header = "x-request-id"

    /// A new id.
    public static func generate() -> String {
        hex(prefix, counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A new 16-digit span id (the process prefix mixed into a scrambled counter).
    public static func generateSpanID() -> String {
        let mixed = (counter.add(1, ordering: .relaxed).newValue ^ prefix) &* 0xBF58_476D_1CE4_E5B9
        return String(hex(0, mixed).suffix(16))
    }

    private static func hex(_ prefix: UInt64, _ count: UInt64) -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                for i in 0..<16 {
                    buffer[i] = digits[Int(prefix >> UInt64(60 - 4 * i) & 15)]
                    buffer[16 + i] = digits[Int(count >> UInt64(60 - 4 * i) & 15)]
                }
            }
            return 32
        }
    }
}
