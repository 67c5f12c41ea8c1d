@testable import ASRService
import Foundation
import Protos
import Testing

@Suite struct AudioTests {
    static func sine(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Float] {
        (0..<Int(Double(rate) * seconds)).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / Double(rate))) }
    }

    static func rms(_ samples: ArraySlice<Float>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1 * $1) } / Double(samples.count)).squareRoot()
    }

    @Test(arguments: [8_000, 11_025, 22_050, 32_000, 44_100, 48_000])
    func resamplingKeepsTheBandAndRemovesWhatWouldAlias(rate: Int) {
        // 1 kHz passes at full level.
        var pass = Resampler(inputRate: rate, outputRate: 16_000)
        let passed = pass.process(Self.sine(1_000, rate: rate, seconds: 1)) + pass.finish()
        #expect(abs(passed.count - 16_000) <= 1)
        #expect(abs(Self.rms(passed[2_000..<14_000]) - 0.5 / 2.squareRoot()) < 0.01)
        // Above 8 kHz would fold back into the band: it must be gone (> 40 dB down).
        if rate > 20_000 {
            var stop = Resampler(inputRate: rate, outputRate: 16_000)
            let stopped = stop.process(Self.sine(10_000, rate: rate, seconds: 1)) + stop.finish()
            #expect(Self.rms(stopped[2_000..<14_000]) < 0.5 / 2.squareRoot() / 100)
        }
    }

    @Test(arguments: [8_000, 16_000, 22_050, 44_100])
    func chunkedResamplingEqualsWhole(rate: Int) {
        let input = Self.sine(440, rate: rate, seconds: 0.7)
        var whole = Resampler(inputRate: rate, outputRate: 16_000)
        let expected = whole.process(input) + whole.finish()
        var chunked = Resampler(inputRate: rate, outputRate: 16_000)
        var output: [Float] = []
        var offset = 0
        var size = 1
        while offset < input.count {
            output += chunked.process(Array(input[offset..<min(input.count, offset + size)]))
            offset += size
            size = size * 3 % 997 + 1
        }
        output += chunked.finish()
        #expect(output == expected)
    }

    @Test func wavDecodingIsIndependentOfChunking() throws {
        let samples = (0..<4_000).map { Int16(truncatingIfNeeded: $0 * 37) }
        let stereo = WAVFile.make(samples: samples, rate: 22_050, channels: 2)
        func decode(_ size: Int) throws -> [Float] {
            let bytes = [UInt8](stereo)
            var decoder = try AudioStreamDecoder(config: .init(), firstBytes: bytes.prefix(size), limits: .init())
            var out: [Float] = []
            var offset = 0
            while offset < bytes.count {
                out += try decoder.append(bytes[offset..<min(bytes.count, offset + size)])
                offset += size
            }
            try decoder.finish()
            #expect(decoder.format == .init(sampleRate: 22_050, channels: 2))
            return out
        }
        let whole = try decode(1 << 20)
        #expect(whole.count == 2_000)
        #expect(try decode(7) == whole)
        #expect(abs(whole[1] - (Float(samples[2]) + Float(samples[3])) / 65_536) < 1e-6)
    }

    @Test func voiceActivityFindsTheSpeechAndTheEndpoint() {
        var vad = VoiceActivityDetector()
        let quiet = [Float](repeating: 0.001, count: 160)
        let loud = Self.sine(300, rate: 16_000, seconds: 0.01, amplitude: 0.3)
        for _ in 0..<50 { quiet.withUnsafeBufferPointer { vad.push(frame: $0) } }
        #expect(!vad.hasSpeech)
        for _ in 0..<100 { loud.withUnsafeBufferPointer { vad.push(frame: $0) } }
        #expect(vad.speechStartFrame == 50)
        let roll = (before: vad.settings.preRollFrames, after: vad.settings.postRollFrames)
        #expect(roll == (20, 20))
        #expect(vad.segmentStart == (50 - roll.before) * 160)
        for _ in 0..<49 { quiet.withUnsafeBufferPointer { vad.push(frame: $0) } }
        #expect(!vad.endpointReached)
        quiet.withUnsafeBufferPointer { vad.push(frame: $0) }
        #expect(vad.endpointReached)
        #expect(vad.segmentEnd(available: 1_000_000) == (150 + roll.after) * 160)
    }
}
