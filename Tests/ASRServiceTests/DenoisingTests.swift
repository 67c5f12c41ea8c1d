import ASRService
import Foundation
import PocketSphinx
import Protos
import TestSupport
import Testing

/// The denoising front end in a session: the SNR estimate that switches it on, and noisy
/// audio denoised the same way however it is chunked, in step with the input, by either
/// denoiser. The suppressors themselves: `PocketSphinxTests/NoiseSuppressorTests` (speexdsp)
/// and `PocketSphinxTests/RNNoiseTests`.
@Suite struct DenoisingTests {
    /// An engine that keeps what it hears and recognises nothing.
    final class RecordingEngine: UtteranceEngine {
        var prefix: [Int16] = []
        var heard: [Int16] = []
        func begin(prefix: UnsafeBufferPointer<Int16>) throws(ASRError) {
            self.prefix = Array(prefix)
            heard = []
        }
        func process(_ samples: UnsafeBufferPointer<Int16>) throws(ASRError) { heard.append(contentsOf: samples) }
        func partial() -> String { "" }
        func end(maxHypotheses: Int) throws(ASRError) -> DecodingResult { DecodingResult() }
        func reset() {}
    }

    /// Runs `wav` through a session in `chunk`-byte pieces.
    static func session(
        _ wav: Data, chunk: Int = 3_200, mode: DenoisingSettings.Mode = .auto, denoiser: DenoisingSettings.Kind = .rnnoise
    ) throws -> (session: UtteranceSession, engine: RecordingEngine) {
        let bytes = [UInt8](wav)
        let engine = RecordingEngine()
        var options = UtteranceSession.Options()
        options.denoising.mode = mode
        options.denoising.denoiser = denoiser
        let session = UtteranceSession(config: ASRV1.RecognitionConfig(), options: options, engine: engine, modelVersion: "test")
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            _ = try session.append(Array(bytes[start..<min(start + chunk, bytes.count)]))
        }
        _ = try session.finish()
        return (session, engine)
    }

    @Test func theSNREstimateSeparatesCleanFromNoisySpeech() throws {
        let threshold = DenoisingSettings().belowSNR
        for voice in [TestAudio.Voice.fliteSLT, .fliteRMS, .fliteAWB] {
            for query in TestAudio.queries.prefix(4) {
                // What a session measures: up to 1 s before the speech and the speech's first second.
                let estimates = try [nil, 20.0, 10.0].map {
                    try Self.session(TestAudio.wav(query, voice: voice, snr: $0)).session.estimatedSNR ?? .nan
                }
                print("snr estimate \(voice.rawValue) '\(query)': clean, 20 dB, 10 dB → \(estimates)")
                // The default threshold leaves clean speech alone and denoises both noisy mixes.
                #expect(estimates[0] >= threshold + 3, "\(voice.rawValue) clean '\(query)': \(estimates)")
                #expect(estimates[1] < threshold - 2, "\(voice.rawValue) 20 dB '\(query)': \(estimates)")
                #expect(estimates[2] < estimates[1], "\(voice.rawValue) 10 dB '\(query)': \(estimates)")
            }
        }
        // Real read speech (LibriVox, few pauses) is clean too: denoising it costs words.
        for clip in try TestAudio.librivox() {
            let (session, _) = try Self.session(clip.audio)
            print("snr estimate librivox '\(clip.transcript.prefix(30))': \(session.estimatedSNR ?? .nan)")
            #expect((session.estimatedSNR ?? 0) >= threshold + 2, "LibriVox '\(clip.transcript)': \(session.estimatedSNR ?? .nan)")
            #expect(!session.isDenoised)
        }
    }

    @Test(arguments: DenoisingSettings.Kind.allCases)
    func noisyAudioIsDenoisedTheSameWayHoweverItIsChunked(denoiser: DenoisingSettings.Kind) throws {
        let noisy = try TestAudio.wav("where is my order one zero four two", voice: .fliteAWB, snr: 10)
        let (whole, wholeEngine) = try Self.session(noisy, chunk: noisy.count, denoiser: denoiser)
        #expect(whole.isDenoised, "SNR estimated \(whole.estimatedSNR ?? .nan) dB")
        #expect(wholeEngine.heard.count > 16_000)
        let (raw, rawEngine) = try Self.session(noisy, chunk: noisy.count, mode: .off)
        #expect(!raw.isDenoised && rawEngine.heard.count == wholeEngine.heard.count && rawEngine.heard != wholeEngine.heard)
        for chunk in [333, 3_200, 7_777] {
            let (session, engine) = try Self.session(noisy, chunk: chunk, denoiser: denoiser)
            #expect(session.isDenoised)
            #expect(engine.prefix == wholeEngine.prefix, "\(chunk)-byte chunks: another prefix")
            #expect(engine.heard == wholeEngine.heard, "\(chunk)-byte chunks: other audio reached the engine")
        }
        let clean = try TestAudio.wav("where is my order one zero four two", voice: .fliteAWB)
        let (cleanSession, _) = try Self.session(clean)
        #expect(!cleanSession.isDenoised, "clean audio denoised (SNR estimated \(cleanSession.estimatedSNR ?? .nan) dB)")
    }

    @Test(arguments: DenoisingSettings.Kind.allCases)
    func theDenoisedAudioIsInStepWithTheInput(denoiser: DenoisingSettings.Kind) throws {
        // The same noisy audio with and without denoising: the engine hears the same segment,
        // and the denoised copy lines up with the raw one (speexdsp's one-frame lag and
        // RNNoise's two undone, and the resampling around RNNoise shifts nothing).
        let noisy = try TestAudio.wav("show me lululemon leggings under fifty dollars", voice: .fliteRMS, snr: 10)
        let denoised = try Self.session(noisy, mode: .on, denoiser: denoiser).engine.heard
        let raw = try Self.session(noisy, mode: .off).engine.heard
        #expect(denoised.count == raw.count)
        let middle = (raw.count / 2 - 8_000)..<(raw.count / 2 + 8_000)
        try #require(middle.lowerBound >= 640 && middle.upperBound + 640 <= raw.count)
        var best = (lag: Int.min, score: -Double.infinity)
        for lag in -640...640 {
            var score = 0.0
            for index in middle { score += Double(denoised[index]) * Double(raw[index + lag]) }
            if score > best.score { best = (lag, score) }
        }
        #expect(best.lag == 0, "the denoised audio matches the raw audio best \(best.lag) samples later")
    }

    @Test(arguments: DenoisingSettings.Kind.allCases)
    func theNoiseBetweenWordsLosesMostOfItsEnergy(denoiser: DenoisingSettings.Kind) throws {
        // The 10 dB mix has half a second of noise alone at each end (TestAudio pads it):
        // in the engine's copy, the segment's leading noise is at least 10 dB quieter.
        let noisy = try TestAudio.wav("add two of those to my cart", voice: .festivalHTS, snr: 10)
        let denoised = try Self.session(noisy, mode: .on, denoiser: denoiser).engine.heard
        let raw = try Self.session(noisy, mode: .off).engine.heard
        func rms(_ samples: ArraySlice<Int16>) -> Double {
            (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
        }
        // The VAD keeps 200 ms before the speech: its first 100 ms are noise alone.
        let lead = 0..<1_600
        let drop = 20 * log10(rms(raw[lead]) / max(rms(denoised[lead]), 1e-9))
        print("denoising \(denoiser): the noise before the speech fell by \(drop) dB")
        #expect(drop >= 10, "\(denoiser): the noise before the speech fell by \(drop) dB")
    }
}
