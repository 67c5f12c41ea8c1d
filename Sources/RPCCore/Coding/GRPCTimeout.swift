/// The `grpc-timeout` header: up to 8 ASCII digits and a unit (H, M, S, m, u, n).
public enum GRPCTimeout {
    /// Parses a header value.
    /// - Returns: the duration, or `nil` when the value is malformed.
    public static func parse(_ value: String) -> Duration? {
        let bytes = Array(value.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// Formats a duration with the finest unit whose amount fits in 8 digits, rounding up
    /// so the server never sees less time than the client allows. Negative durations become 0n.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return "0n" }
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let limit: Int64 = 99_999_999
        if !nanos.overflow {
            let total = nanos.partialValue + (attoseconds + 999_999_999) / 1_000_000_000
            if total <= limit { return "\(total)n" }
            if (total + 999) / 1000 <= limit { return "\((total + 999) / 1000)u" }
            if (total + 999_999) / 1_000_000 <= limit { return "\((total + 999_999) / 1_000_000)m" }
        }
        let wholeSeconds = seconds + (attoseconds > 0 ? 1 : 0)
        if wholeSeconds <= limit { return "\(wholeSeconds)S" }
        if (wholeSeconds + 59) / 60 <= limit { return "\((wholeSeconds + 59) / 60)M" }
        return "\(min((wholeSeconds + 3599) / 3600, limit))H"
    }
}
