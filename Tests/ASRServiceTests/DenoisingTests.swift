import ASRService
import Foundation
import PocketSphinx
import Protos
import TestSupport
import Testing

/// The denoising front end: speexdsp's suppressor, the SNR estimate that switches it on, and
/// a session that denoises noisy audio the same way however it is chunked.
@Suite struct DenoisingTests {
    /// Seeded noise with more energy low than high (white noise through a one-pole low-pass).
    static func noise(samples count: Int, seed: UInt64, amplitude: Double) -> [Int16] {
        var state = seed
        var low = 0.0
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let white = Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)
            low = 0.9 * low + 0.1 * white
            return Int16(clamping: Int((amplitude * 32_767 * (0.5 * white + 3 * low)).rounded()))
        }
    }

    static func rms(_ samples: ArraySlice<Int16>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
    }

    @Test func theSuppressorTakesMostOfAStationaryNoiseAway() {
        let frame = NoiseSuppressor.frameSamples
        var audio = Self.noise(samples: frame * 150, seed: 7, amplitude: 0.1)  // 3 s
        let before = Self.rms(audio[(frame * 100)...])
        let suppressor = NoiseSuppressor(suppressDB: 30)
        audio.withUnsafeMutableBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: frame) {
                suppressor.process(frame: UnsafeMutableBufferPointer(rebasing: all[start..<(start + frame)]))
            }
        }
        // After two seconds of learning, the last second has lost at least 10 dB.
        let after = Self.rms(audio[(frame * 100)...])
        let drop = 20 * log10(before / max(after, 1e-9))
        #expect(drop >= 10, "the noise fell by \(drop) dB")
    }

    /// The estimate over what a session measures it on: up to 1 s before the speech and the
    /// speech's first second (here: the first 2 s).
    static func estimate(_ wav: Data) throws -> Double {
        let samples = try Self.samples(wav)
        return samples.withUnsafeBufferPointer {
            NoiseSuppressor(suppressDB: 20).learn(from: UnsafeBufferPointer(rebasing: $0.prefix(32_000)))
        }
    }

    @Test func theSNREstimateSeparatesCleanFromNoisySpeech() throws {
        let threshold = NoiseSuppressor.Settings().belowSNR
        for voice in [TestAudio.Voice.fliteSLT, .fliteRMS, .fliteAWB] {
            for query in TestAudio.queries.prefix(4) {
                let estimates = try [nil, 20.0, 10.0].map { try Self.estimate(TestAudio.wav(query, voice: voice, snr: $0)) }
                print("snr estimate \(voice.rawValue) '\(query)': clean, 20 dB, 10 dB → \(estimates)")
                // The default threshold leaves clean speech alone and denoises both noisy mixes.
                #expect(estimates[0] >= threshold + 3, "\(voice.rawValue) clean '\(query)': \(estimates)")
                #expect(estimates[1] < threshold - 3, "\(voice.rawValue) 20 dB '\(query)': \(estimates)")
                #expect(estimates[2] < estimates[1] - 3, "\(voice.rawValue) 10 dB '\(query)': \(estimates)")
            }
        }
        // Real read speech (LibriVox, few pauses) is clean too: denoising it costs words.
        for clip in try TestAudio.librivox() {
            let estimate = try Self.estimate(clip.audio)
            print("snr estimate librivox '\(clip.transcript.prefix(30))': \(estimate)")
            #expect(estimate >= threshold + 2, "LibriVox '\(clip.transcript)': \(estimate)")
        }
    }

    @Test func noisyAudioIsDenoisedTheSameWayHoweverItIsChunked() async throws {
        try await TestSupport.onOwnThread {
            let decoder = try EngineSettings().makeDecoder(nil)
            let noisy = [UInt8](try TestAudio.wav("where is my order one zero four two", voice: .fliteAWB, snr: 10))
            let clean = [UInt8](try TestAudio.wav("where is my order one zero four two", voice: .fliteAWB))
            func recognize(_ wav: [UInt8], chunk: Int) throws -> (ASRV1.RecognizeResponse, UtteranceSession) {
                let session = UtteranceSession(
                    config: ASRV1.RecognitionConfig(), options: UtteranceSession.Options(), engine: decoder, modelVersion: "test")
                for start in stride(from: 0, to: wav.count, by: chunk) {
                    _ = try session.append(Array(wav[start..<min(start + chunk, wav.count)]))
                }
                let response = try session.finish()
                decoder.reset()
                return (response, session)
            }
            let (whole, wholeSession) = try recognize(noisy, chunk: noisy.count)
            #expect(wholeSession.isDenoised, "SNR estimated \(wholeSession.estimatedSNR ?? .nan) dB")
            #expect(!whole.alternatives.isEmpty)
            for chunk in [333, 3_200, 7_777] {
                let (streamed, session) = try recognize(noisy, chunk: chunk)
                #expect(session.isDenoised)
                #expect(streamed == whole, "\(chunk)-byte chunks: \(streamed) != \(whole)")
            }
            let (_, cleanSession) = try recognize(clean, chunk: 3_200)
            #expect(!cleanSession.isDenoised, "clean audio denoised (SNR estimated \(cleanSession.estimatedSNR ?? .nan) dB)")
        }
    }

    /// The 16 kHz samples of a test WAV (the test voices are 16 kHz mono except festival's).
    static func samples(_ wav: Data) throws -> [Int16] {
        let bytes = [UInt8](wav)
        let rate = Int(bytes[24]) | Int(bytes[25]) << 8 | Int(bytes[26]) << 16 | Int(bytes[27]) << 24
        try #require(rate == 16_000, "the test voice is \(rate) Hz")
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "data" {
                let body = bytes[(offset + 8)..<min(bytes.count, offset + 8 + size)]
                return stride(from: body.startIndex, to: body.endIndex - 1, by: 2).map { Int16(bitPattern: UInt16(body[$0]) | UInt16(body[$0 + 1]) << 8) }
            }
            offset += 8 + size + (size & 1)
        }
        throw TestAudioError("no data chunk")
    }
}
