internal import Glibc

/// When asr-svc denoises an utterance before the engine hears it, with what, and how hard
/// (`--denoise`, `--denoiser`, `--rnnoise-library`, `--denoise-below-snr`,
/// `--noise-suppress-db`; services/asr-svc/README.md).
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

    /// The suppressor.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// RNNoise, a recurrent network (`RNNoiseLibrary`): at 10 dB pink noise it makes 0.38×
        /// the word errors speexdsp makes (docs/benchmarks.md).
        case rnnoise
        /// speexdsp's spectral suppressor (Debian `libspeexdsp1`), for machines without RNNoise.
        case speexdsp
    }

    public var mode = Mode.auto
    public var denoiser = Kind.rnnoise
    /// Where RNNoise is loaded from (`scripts/fetch-models` puts it there).
    public var rnnoiseLibrary = DenoisingSettings.defaultRNNoiseLibrary
    /// `auto` denoises below this estimated SNR (dB; see `SNREstimate`). Measured
    /// (`DenoisingTests`): clean speech 33 dB and up, the same speech under pink noise at 20 dB
    /// SNR 21 and under.
    public var belowSNR: Double = 26
    /// The most the suppressor lowers anything, in dB; nil: the denoiser's own default
    /// (`defaultSuppressDB`).
    public var suppressDB: Int?
    /// Audio before the speech that the suppressor hears first, to learn the noise (1 s).
    public var learningSamples = 16_000

    public init() {}

    /// The cap on suppression each denoiser was measured best with at 10 dB: speexdsp 20 dB
    /// (30 and 45 lost more words), RNNoise 30 dB (uncapped lost more, and so did 20 dB or less).
    public static func defaultSuppressDB(for kind: Kind) -> Int {
        switch kind {
        case .rnnoise: 30
        case .speexdsp: 20
        }
    }

    /// The suppression cap in effect.
    public var effectiveSuppressDB: Int { suppressDB ?? Self.defaultSuppressDB(for: denoiser) }

    /// `$VOICESHOP_MODELS_DIR/rnnoise/librnnoise.so`, else `.voiceshop/models/rnnoise/librnnoise.so`.
    public static var defaultRNNoiseLibrary: String {
        let base = getenv("VOICESHOP_MODELS_DIR").map { String(cString: $0) } ?? ".voiceshop/models"
        return "\(base)/rnnoise/librnnoise.so"
    }
}
