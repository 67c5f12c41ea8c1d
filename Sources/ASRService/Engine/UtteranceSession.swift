public import Protos
internal import PocketSphinx

/// One utterance from encoded bytes to the n-best result: decode, resample to 16 kHz mono,
/// find the speech, denoise it when it is noisy, and feed it to the engine.
///
/// Unary calls and streams run the same steps: the speech segment comes from the causal
/// voice activity detector; whether to denoise, and the engine's normalisation, from the
/// segment's first second; the suppressor runs in fixed frames from a point fixed by the
/// segment's start; and the engine gets the segment in fixed blocks from its start. So a
/// stream's final result equals the unary result on the same audio, however the stream was
/// chunked.
///
/// Not thread-safe: it runs on the decoder worker that owns its engine.
public final class UtteranceSession {
    /// What the session does with the audio.
    public struct Options: Sendable {
        public var limits = AudioLimits()
        public var voiceActivity = VoiceActivityDetector.Settings()
        /// Samples per block fed to the engine (100 ms).
        public var blockSamples = 1_600
        /// Samples of the segment's start used for the engine's normalisation (1 s).
        public var prefixSamples = 16_000
        public var maxAlternatives = 3
        public var hints: [String] = []
        /// Whether the endpoint ends the utterance (streams); a unary call uses all its audio.
        public var endpointing = false
        /// When to denoise the audio before the engine hears it.
        public var denoising = DenoisingSettings()

        public init() {}
    }

    private let options: Options
    private let engine: any UtteranceEngine
    private let config: ASRV1.RecognitionConfig
    private let modelVersion: String
    private var audio: AudioStreamDecoder?
    private var resampler: Resampler?
    private var vad: VoiceActivityDetector
    /// The 16 kHz mono audio so far.
    private var samples: [Int16] = []
    private var vadPosition = 0
    private var started = false
    private var fed = 0
    private var lastPartial = ""
    /// The denoised copy of `samples` (same indices) when the utterance is denoised: valid
    /// from the start of the suppressor's learning window to `denoisedTo`. The denoiser has
    /// been given the samples up to `consumed`.
    private var denoiser: (any Denoiser)?
    private var denoised: [Int16] = []
    private var denoisedTo = 0
    private var consumed = 0
    private var denoiserFinished = false
    private var denoisingChosen = false
    /// The SNR estimated at the utterance's start, once the decision to denoise was made (nil
    /// before, with `--denoise off`, or when there was no speech).
    public private(set) var estimatedSNR: Double?
    /// Whether the engine hears denoised audio.
    public var isDenoised: Bool { denoiser != nil }

    public init(config: ASRV1.RecognitionConfig, options: Options, engine: any UtteranceEngine, modelVersion: String) {
        self.config = config
        self.options = options
        self.engine = engine
        self.modelVersion = modelVersion
        vad = VoiceActivityDetector(settings: options.voiceActivity)
    }

    /// What one piece of a stream produced.
    public struct Update: Sendable {
        /// A new best hypothesis, when it changed.
        public var partial: String?
        /// The seconds of audio received so far.
        public var seconds: Double
        /// Whether voice activity detection ended the utterance.
        public var endpoint: Bool
    }

    /// Takes the next bytes of audio.
    /// - Throws: `ASRError` for bad audio or an exceeded limit.
    public func append(_ bytes: [UInt8]) throws(ASRError) -> Update {
        if audio == nil {
            guard !bytes.isEmpty else { return Update(partial: nil, seconds: 0, endpoint: false) }
            audio = try AudioStreamDecoder(config: config, firstBytes: bytes, limits: options.limits)
        }
        let decoded = try audio!.append(bytes)
        if !decoded.isEmpty {
            if resampler == nil, let format = audio?.format { resampler = Resampler(inputRate: format.sampleRate, outputRate: 16_000) }
            store(resampler!.process(decoded))
        }
        try feed(final: false)
        var partial: String?
        if started {
            let text = engine.partial()
            if text != lastPartial {
                lastPartial = text
                partial = text
            }
        }
        return Update(partial: partial, seconds: audio?.seconds ?? 0, endpoint: options.endpointing && vad.endpointReached)
    }

    /// Ends the utterance (the client half-closed, or the endpoint was reached).
    /// - Returns: the n-best result; no alternatives when there was no speech.
    /// - Throws: `ASRError` for bad or empty audio, or an engine failure.
    public func finish() throws(ASRError) -> ASRV1.RecognizeResponse {
        guard var audio else { throw ASRError(.emptyAudio, "The audio is empty.") }
        if !(options.endpointing && vad.endpointReached) {
            try audio.finish()
            self.audio = audio
            if var resampler {
                store(resampler.finish())
                self.resampler = resampler
            }
        }
        try feed(final: true)
        var response = ASRV1.RecognizeResponse()
        response.audioSeconds = audio.seconds
        response.modelVersion = modelVersion
        guard started, let start = vad.segmentStart, let first = vad.speechStartFrame, let last = vad.lastSpeechFrame else {
            return response
        }
        response.speechSeconds = Double(last - first + 1) / 100
        let wanted = max(1, options.maxAlternatives)
        let result = try engine.end(maxHypotheses: options.hints.isEmpty ? wanted : max(wanted, 10))
        let offset = Double(start) / 16_000
        guard !result.hypotheses.isEmpty else { return response }
        var alternatives = result.hypotheses.map { hypothesis in
            ASRV1.Alternative(transcript: hypothesis.text, confidence: hypothesis.posterior, words: [])
        }
        if options.hints.isEmpty {
            // The best path first, then the rest by confidence (A* yields them nearly sorted).
            alternatives = [alternatives[0]] + alternatives.dropFirst().sorted { $0.confidence > $1.confidence }
        } else {
            alternatives = HintBias(hints: options.hints).rerank(alternatives)
        }
        alternatives = Array(alternatives.prefix(wanted))
        if let best = alternatives.first, best.transcript == result.hypotheses.first?.text {
            alternatives[0].words = result.bestWords.map { word in
                ASRV1.WordInfo(
                    word: word.word, startSeconds: Float(offset + Double(word.startFrame) / 100),
                    endSeconds: Float(offset + Double(word.endFrame) / 100), confidence: word.confidence)
            }
        } else if !alternatives.isEmpty {
            alternatives[0].words = alternatives[0].transcript.split(separator: " ").map {
                ASRV1.WordInfo(word: String($0), startSeconds: 0, endSeconds: 0, confidence: alternatives[0].confidence)
            }
        }
        response.alternatives = alternatives
        return response
    }

    private func store(_ output: [Float]) {
        samples.reserveCapacity(samples.count + output.count)
        for value in output {
            samples.append(Int16(clamping: Int((value * 32768).rounded())))
        }
        let frame = VoiceActivityDetector.frameSamples
        var buffer = [Float](repeating: 0, count: frame)
        while vadPosition + frame <= samples.count {
            for index in 0..<frame { buffer[index] = Float(samples[vadPosition + index]) / 32768 }
            buffer.withUnsafeBufferPointer { vad.push(frame: $0) }
            vadPosition += frame
            if options.endpointing, vad.endpointReached { break }
        }
    }

    /// Feeds the engine every whole block that is certainly inside the segment (all that is
    /// left when `final`).
    private func feed(final: Bool) throws(ASRError) {
        guard let start = vad.segmentStart, let end = vad.segmentEnd(available: samples.count) else { return }
        let prefixEnd = min(start + options.prefixSamples, end)
        if !started {
            guard final || start + options.prefixSamples <= end else { return }
            if !denoisingChosen {
                denoisingChosen = true
                try chooseDenoising(start: start, decisionEnd: prefixEnd)
            }
        }
        // Denoised audio is ready a little behind what has arrived (all of it when final).
        var available = end
        if denoiser != nil {
            denoise(upTo: end, final: final)
            available = min(end, denoisedTo)
        }
        if !started {
            guard prefixEnd <= available else { return }
            try withEngineSamples { (all) throws(ASRError) in
                try engine.begin(prefix: UnsafeBufferPointer(rebasing: all[start..<prefixEnd]))
            }
            started = true
            fed = start
        }
        let block = options.blockSamples
        try withEngineSamples { (all) throws(ASRError) in
            while fed + block <= available {
                try engine.process(UnsafeBufferPointer(rebasing: all[fed..<(fed + block)]))
                fed += block
            }
            if final, fed < available {
                try engine.process(UnsafeBufferPointer(rebasing: all[fed..<available]))
                fed = available
            }
        }
    }

    /// Runs speexdsp's suppressor over the audio before `decisionEnd` (from the learning
    /// window before the segment), which estimates its SNR, and per the settings denoises the
    /// utterance: the chosen denoiser learns from that same audio first, so the pass that
    /// counts starts from a settled noise estimate (in a trial at 10 dB, festival's word
    /// errors went from 68% to 35% against starting cold, with speexdsp).
    private func chooseDenoising(start: Int, decisionEnd: Int) throws(ASRError) {
        let settings = options.denoising
        guard settings.mode != .off else { return }
        let from = max(0, start - settings.learningSamples)
        let window = from..<decisionEnd
        // The SNR does not depend on the suppression cap; with speexdsp, this suppressor is the one used.
        let estimator = NoiseSuppressor(suppressDB: settings.denoiser == .speexdsp ? settings.effectiveSuppressDB : 20)
        let snr = samples.withUnsafeBufferPointer { estimator.learn(from: UnsafeBufferPointer(rebasing: $0[window])) }
        estimatedSNR = snr
        guard settings.mode == .on || snr < settings.belowSNR else { return }
        let denoiser: any Denoiser
        switch settings.denoiser {
        case .speexdsp:
            denoiser = SpeexDenoiser(estimator)  // it has learnt from the window
        case .rnnoise:
            do {
                let library = try RNNoiseLibrary.load(path: settings.rnnoiseLibrary)
                denoiser = RNNoiseDenoiser(library: library, suppressDB: settings.effectiveSuppressDB)
            } catch {
                throw ASRError(.engine, "Denoising failed: \(error)", cause: error)
            }
            samples.withUnsafeBufferPointer { denoiser.learn(from: UnsafeBufferPointer(rebasing: $0[window])) }
        }
        self.denoiser = denoiser
        consumed = from
        denoisedTo = from
    }

    /// Gives the denoiser the samples before `end`; when `final`, ends its input there. The
    /// denoiser never hears past `end`, so the denoised audio does not depend on how much
    /// audio after the segment has arrived.
    private func denoise(upTo end: Int, final: Bool) {
        guard let denoiser, !denoiserFinished else { return }
        if denoised.count < samples.count { denoised.append(contentsOf: samples[denoised.count..<samples.count]) }
        func store(_ output: [Int16]) {
            for (index, value) in output.enumerated() { denoised[denoisedTo + index] = value }
            denoisedTo += output.count
        }
        if consumed < end {
            store(samples.withUnsafeBufferPointer { denoiser.denoise(UnsafeBufferPointer(rebasing: $0[consumed..<end])) })
            consumed = end
        }
        if final {
            store(denoiser.finish())
            denoiserFinished = true
        }
    }

    /// The audio the engine hears: the denoised copy when there is one, else the samples.
    private func withEngineSamples(_ body: (UnsafeBufferPointer<Int16>) throws(ASRError) -> Void) throws(ASRError) {
        if denoiser != nil {
            try denoised.withUnsafeBufferPointer { (all) throws(ASRError) in try body(all) }
        } else {
            try samples.withUnsafeBufferPointer { (all) throws(ASRError) in try body(all) }
        }
    }
}
