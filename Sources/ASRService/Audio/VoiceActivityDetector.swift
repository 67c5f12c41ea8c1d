internal import Glibc

/// An energy voice activity detector over 10 ms frames of 16 kHz audio, with an adaptive
/// noise floor. It is causal (each decision uses only earlier frames), so a stream and a
/// unary call on the same audio find the same speech.
///
/// A frame is loud when its energy is `thresholdDB` over the noise floor and over
/// `minimumDBFS`. Speech starts after `startFrames` loud frames in a row; the utterance's
/// audio then runs from `preRollFrames` before that to `postRollFrames` after the last loud
/// frame. In a stream, `endpointFrames` quiet frames after speech end the utterance.
public struct VoiceActivityDetector: Sendable {
    /// The detector's settings.
    public struct Settings: Sendable, Hashable {
        public var thresholdDB: Double = 9
        public var minimumDBFS: Double = -55
        public var startFrames = 3
        public var preRollFrames = 20
        public var postRollFrames = 20
        /// Quiet frames after speech that end a streamed utterance (the endpoint).
        public var endpointFrames = 50

        public init() {}
    }

    /// Samples per frame (10 ms at 16 kHz).
    public static let frameSamples = 160

    public let settings: Settings
    private var noiseDB: Double?
    private var loudRun = 0
    public private(set) var frameCount = 0
    /// The first loud frame of the run that started speech.
    public private(set) var speechStartFrame: Int?
    /// The last loud frame after speech started.
    public private(set) var lastSpeechFrame: Int?

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Classifies the next frame (`frameSamples` samples scaled to -1...1).
    public mutating func push(frame: UnsafeBufferPointer<Float>) {
        var energy: Double = 0
        for sample in frame { energy += Double(sample * sample) }
        let db = 10 * log10(energy / Double(max(frame.count, 1)) + 1e-10)
        let noise = noiseDB ?? db
        let loud = db > noise + settings.thresholdDB && db > settings.minimumDBFS
        // The floor follows quieter frames quickly and louder ones slowly (5 dB a second).
        noiseDB = db < noise ? 0.7 * noise + 0.3 * db : noise + min(db - noise, 0.05)
        if loud {
            loudRun += 1
            if speechStartFrame == nil, loudRun >= settings.startFrames {
                speechStartFrame = frameCount - loudRun + 1
            }
            if speechStartFrame != nil { lastSpeechFrame = frameCount }
        } else {
            loudRun = 0
        }
        frameCount += 1
    }

    /// Whether speech has started.
    public var hasSpeech: Bool { speechStartFrame != nil }

    /// Whether a streamed utterance has ended (enough quiet after speech).
    public var endpointReached: Bool {
        guard let lastSpeechFrame else { return false }
        return frameCount - 1 - lastSpeechFrame >= settings.endpointFrames
    }

    /// The first sample of the utterance's audio, once speech started.
    public var segmentStart: Int? {
        speechStartFrame.map { max(0, $0 - settings.preRollFrames) * Self.frameSamples }
    }

    /// The end (exclusive) of the utterance's audio as far as it is known, given `available`
    /// samples: it only grows as more speech arrives.
    public func segmentEnd(available: Int) -> Int? {
        lastSpeechFrame.map { min(available, ($0 + 1 + settings.postRollFrames) * Self.frameSamples) }
    }
}
