internal import Synchronization

/// A client API key with its rate limit.
public struct APIKey: Sendable, Hashable {
    /// The key (sent as `X-API-Key`).
    public var key: String
    /// A name for logs and metrics (never the key itself).
    public var name: String
    /// Sustained requests per second.
    public var rate: Double
    /// Requests allowed in a burst.
    public var burst: Double

    /// Creates a key.
    public init(key: String, name: String, rate: Double, burst: Double) {
        self.key = key
        self.name = name
        self.rate = rate
        self.burst = burst
    }

    /// Parses `KEY`, `NAME=KEY` or either followed by `:RATE[:BURST]`.
    /// - Throws: `GatewayConfiguration.ConfigurationError` for a bad line.
    public init(parsing line: String, defaultRate: Double, defaultBurst: Double) throws {
        let parts = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var identity = parts[0]
        var name = ""
        if let equals = identity.firstIndex(of: "=") {
            name = String(identity[..<equals])
            identity = String(identity[identity.index(after: equals)...])
        }
        guard identity.count >= 8, identity.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~+/".contains($0)) }) else {
            throw GatewayConfiguration.ConfigurationError(
                "an API key must have at least 8 characters out of letters, digits and -_.~+/ (line '\(String(line.prefix(4)))…')")
        }
        var rate = defaultRate
        var burst = defaultBurst
        if parts.count > 1 {
            guard let value = Double(parts[1]), value > 0 else {
                throw GatewayConfiguration.ConfigurationError("the rate of API key '\(name.isEmpty ? "…" : name)' must be a positive number")
            }
            rate = value
            burst = max(defaultBurst, value)
        }
        if parts.count > 2 {
            guard let value = Double(parts[2]), value >= 1 else {
                throw GatewayConfiguration.ConfigurationError("the burst of API key '\(name.isEmpty ? "…" : name)' must be at least 1")
            }
            burst = value
        }
        self.init(key: identity, name: name.isEmpty ? "key-" + String(identity.prefix(4)) : name, rate: rate, burst: burst)
    }
}

/// The API keys and their token buckets.
///
/// Each key has a bucket of `burst` tokens refilled at `rate` per second; a request takes one
/// token, and with none left the answer is 429 with `Retry-After` (whole seconds until a
/// token is back).
public final class APIKeyStore: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let keys: [String: APIKey]
    private let buckets: Mutex<[String: Bucket]>

    /// Creates the store.
    public init(keys: [APIKey]) {
        var table: [String: APIKey] = [:]
        for key in keys { table[key.key] = key }
        self.keys = table
        buckets = Mutex(table.mapValues { Bucket(tokens: $0.burst, updated: .now) })
    }

    /// The key, when `text` is one.
    public func key(_ text: String) -> APIKey? { keys[text] }

    /// Whether any key is configured.
    public var isEmpty: Bool { keys.isEmpty }

    /// Takes one token of `key`'s bucket.
    /// - Returns: `nil` when allowed, or the seconds to wait.
    public func take(_ key: APIKey, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { buckets in
            var bucket = buckets[key.key] ?? Bucket(tokens: key.burst, updated: now)
            let elapsed = Double((now - bucket.updated) / .microseconds(1)) / 1e6
            bucket.tokens = min(key.burst, bucket.tokens + max(0, elapsed) * key.rate)
            bucket.updated = now
            defer { buckets[key.key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / key.rate
        }
    }
}

/// Compares two secrets in time independent of where they differ.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for index in 0..<max(x.count, y.count) {
        difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
    }
    return difference == 0
}
