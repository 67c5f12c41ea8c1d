public import Embeddings
internal import Synchronization

/// Text vectors for products and queries: the all-MiniLM-L6-v2 encoder (Sources/Embeddings)
/// with a cache of recent query vectors, so a repeated query costs a dictionary lookup
/// instead of ~4 ms of encoding.
public final class TextEmbeddings: Sendable {
    /// The model version stored in model_versions and item_embeddings.
    public static let version = "minilm-l6-v2"
    /// Queries whose vectors are kept; past it the cache starts over.
    static let cacheLimit = 20_000

    public let encoder: SentenceEncoder
    private let cache = Mutex<[String: [Float]]>([:])

    public init(encoder: SentenceEncoder) {
        self.encoder = encoder
    }

    public var dimensions: Int { SentenceEncoder.dimensions }

    /// The vector of a query (normalised text as the cache key).
    public func queryVector(_ text: String) -> [Float] {
        let key = text.collapsedWhitespace.lowercased()
        if let cached = cache.withLock({ $0[key] }) { return cached }
        return encode(key)
    }

    /// The vector of a query if it is in the cache; `nil` when it would have to be encoded.
    public func cachedQueryVector(_ text: String) -> [Float]? {
        let key = text.collapsedWhitespace.lowercased()
        return cache.withLock { $0[key] }
    }

    private func encode(_ key: String) -> [Float] {
        let vector = encoder.encode(key)
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = vector
        }
        return vector
    }

    /// The text a product is embedded from: its title, brand and category path (the words a
    /// shopper says); the description is left out (long, and mostly about other things).
    public static func productText(title: String, brand: String, category: String) -> String {
        var parts = [title]
        if !brand.isEmpty && !title.lowercased().contains(brand.lowercased()) { parts.append(brand) }
        if !category.isEmpty { parts.append(category.split(separator: "/").joined(separator: " ")) }
        return parts.joined(separator: " | ")
    }

    /// A 64-bit FNV-1a hash of the embedded text, in hex: a changed price or stock does not
    /// change it, so the product is not encoded again.
    public static func textHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
