/// asr-svc's settings beyond the common service flags (see services/asr-svc/README.md).
public struct ASRServiceConfig: Sendable {
    /// Decoders (and worker threads); each holds about 100 MB.
    public var decoders = 2
    /// Calls that may wait for a decoder before RESOURCE_EXHAUSTED.
    public var maxWaiting = 8
    public var limits = AudioLimits()
    public var voiceActivity = VoiceActivityDetector.Settings()
    /// When audio is denoised before decoding, and with what (`DenoisingSettings`).
    public var denoising = DenoisingSettings()
    public var engine = EngineSettings()
    /// Alternatives returned when a request asks for 0.
    public var defaultAlternatives = 3
    /// The most alternatives a request may ask for.
    public var maxAlternatives = 10
    /// The most hint phrases per request, and bytes per hint.
    public var maxHints = 500
    public var maxHintBytes = 200

    public init() {}
}
