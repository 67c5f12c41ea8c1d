import Foundation
import PocketSphinx
import Testing

/// RNNoise through its run-time loaded wrapper (the library: `scripts/fetch-models rnnoise`).
@Suite struct RNNoiseTests {
    static var libraryPath: String {
        let base = ProcessInfo.processInfo.environment["VOICESHOP_MODELS_DIR"] ?? ".voiceshop/models"
        return "\(base)/rnnoise/librnnoise.so"
    }

    /// Runs `audio` (48 kHz, 16-bit scale) through a fresh state in whole frames.
    static func run(_ audio: [Float]) throws -> [Float] {
        let state = RNNoiseState(library: try RNNoiseLibrary.load(path: libraryPath))
        let frame = RNNoiseLibrary.frameSamples
        var output = [Float](repeating: 0, count: audio.count)
        audio.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for start in stride(from: 0, to: audio.count - frame + 1, by: frame) {
                    state.process(
                        UnsafeBufferPointer(rebasing: input[start..<(start + frame)]),
                        into: UnsafeMutableBufferPointer(rebasing: out[start..<(start + frame)]))
                }
            }
        }
        return output
    }

    static func rms(_ samples: ArraySlice<Float>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
    }

    @Test func aMissingOrForeignLibraryIsAClearError() throws {
        let missing = "/nonexistent/librnnoise.so"
        #expect {
            try RNNoiseLibrary.load(path: missing)
        } throws: { error in
            "\(error)".contains("cannot load RNNoise from \(missing)")
        }
        // A real shared library that is not RNNoise.
        #expect {
            try RNNoiseLibrary.load(path: "libm.so.6")
        } throws: { error in
            "\(error)".contains("is not RNNoise: it has no rnnoise_create")
        }
        // Loading twice gives the same instance.
        #expect(try RNNoiseLibrary.load(path: Self.libraryPath) === RNNoiseLibrary.load(path: Self.libraryPath))
    }

    @Test func stationaryNoiseLosesMostOfItsEnergy() throws {
        // Seeded white noise through a one-pole low-pass, 3 s at 48 kHz, about -20 dBFS.
        var state: UInt64 = 11
        var low = 0.0
        let noise: [Float] = (0..<(48_000 * 3)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let white = Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)
            low = 0.95 * low + 0.05 * white
            return Float(3_000 * (0.3 * white + 4 * low))
        }
        let output = try Self.run(noise)
        let before = Self.rms(noise[48_000...])
        let after = Self.rms(output[48_000...])
        let drop = 20 * log10(before / max(after, 1e-9))
        #expect(drop >= 10, "the noise fell by \(drop) dB")
    }

    @Test func theOutputLagsTwoFrames() throws {
        // A voiced, speech-like sound (a 150 Hz pulse train through two formant resonators),
        // switching on and off every 300 ms; the output matches the input best 960 samples on.
        var audio = [Float](repeating: 0, count: 48_000 * 2)
        var y1 = 0.0, y2 = 0.0, z1 = 0.0, z2 = 0.0
        func resonator(_ frequency: Double, _ bandwidth: Double) -> (Double, Double) {
            let r = exp(-Double.pi * bandwidth / 48_000)
            return (2 * r * cos(2 * Double.pi * frequency / 48_000), -r * r)
        }
        let (a1, a2) = resonator(700, 130)
        let (b1, b2) = resonator(1_200, 150)
        for index in audio.indices {
            let on = (index / 14_400) % 2 == 0
            let pulse = on && index % 320 == 0 ? 1.0 : 0.0
            let first = pulse + a1 * y1 + a2 * y2
            y2 = y1
            y1 = first
            let second = first + b1 * z1 + b2 * z2
            z2 = z1
            z1 = second
            audio[index] = Float(second * 300)
        }
        let output = try Self.run(audio)
        var best = (lag: -1, score: -Double.infinity)
        for lag in 0...1_440 {
            var score = 0.0
            for index in stride(from: 24_000, to: 72_000, by: 3) { score += Double(audio[index]) * Double(output[index + lag]) }
            if score > best.score { best = (lag, score) }
        }
        #expect(best.lag == RNNoiseLibrary.lagSamples, "best lag \(best.lag) samples")
    }
}
