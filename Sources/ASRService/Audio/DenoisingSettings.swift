/// When asr-svc denoises an utterance before the engine hears it, and how hard
/// (`--denoise`, `--denoise-below-snr`, `--noise-suppress-db`; services/asr-svc/README.md).
public struct DenoisingSettings: Sendable, Hashable {
    /// How denoising is chosen for an utterance.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Denoise when the SNR estimated at the utterance's start is below `belowSNR`.
        case auto
        /// Denoise every utterance.
        case on
        /// Never denoise (and estimate nothing).
        case off
    }

    public var mode = Mode.auto
    /// `auto` denoises below this estimated SNR (dB; see `SNREstimate`). Measured
    /// (`DenoisingTests`): clean speech 33 dB and up, the same speech under pink noise at 20 dB
    /// SNR 21 and under.
    public var belowSNR: Double = 26
    /// The most the suppressor lowers the noise, in dB (30 and 45 lost more words at 10 dB).
    public var suppressDB: Int = 20
    /// Audio before the speech that the suppressor hears first, to learn the noise (1 s).
    public var learningSamples = 16_000

    public init() {}
}
