/// The limits on one utterance's audio, enforced while it arrives (RESOURCE_EXHAUSTED past them).
public struct AudioLimits: Sendable, Hashable {
    /// The longest utterance, in seconds of audio received.
    public var maxSeconds: Double = 30
    /// The most bytes of encoded audio in one call (unary or the whole stream).
    public var maxBytes: Int = 4 << 20

    public init(maxSeconds: Double = 30, maxBytes: Int = 4 << 20) {
        self.maxSeconds = maxSeconds
        self.maxBytes = maxBytes
    }

    /// The sample rates accepted, in Hz.
    public static let sampleRates = 8_000...48_000
}
