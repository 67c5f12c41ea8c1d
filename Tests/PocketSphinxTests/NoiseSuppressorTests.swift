import Foundation
import PocketSphinx
import Testing

/// speexdsp's suppressor through its wrapper.
@Suite struct NoiseSuppressorTests {
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

    @Test func theSuppressorsOutputLagsOneFrame() {
        let frame = NoiseSuppressor.frameSamples
        let suppressor = NoiseSuppressor(suppressDB: 20)
        var outputs: [[Int16]] = []
        for index in 0..<14 {
            // Quiet noise, then one frame of a loud 1 kHz tone, then quiet noise again.
            var buffer = Self.noise(samples: frame, seed: UInt64(index), amplitude: 0.001)
            if index == 10 {
                for sample in 0..<frame { buffer[sample] = Int16(12_000 * sin(2 * Double.pi * 1_000 * Double(sample) / 16_000)) }
            }
            buffer.withUnsafeMutableBufferPointer { suppressor.process(frame: $0) }
            outputs.append(buffer)
        }
        let levels = outputs.map { Self.rms($0[...]) }
        // The tone given in call 10 comes out of call 11 (the whole of it) and not of call 10.
        #expect(levels[11] > 1_000 && levels[11] > 20 * levels[10], "output levels per call: \(levels)")
    }

}
