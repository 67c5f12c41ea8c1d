internal import Glibc

/// A signal-to-noise ratio estimate from the power spectra of a second or two of audio.
///
/// The spectrum (125 Hz to 6.9 kHz) is cut into 16 bands. In each band, the loud end of the
/// band's levels over time (95th percentile) is set against the quiet end (10th percentile):
/// speech moves its energy from band to band as the sounds change, so every band has quiet
/// moments, while stationary noise keeps a band's floor up. The estimate is the median band.
/// A whole-signal level ratio cannot tell clean read speech (few pauses) from speech under
/// noise; this can (asr-svc's `DenoisingTests` measure it).
public struct SNREstimate: Sendable {
    /// Band edges in frequency bins of a 320-bin spectrum of 0–8 kHz (25 Hz a bin).
    static let bandEdges = (0...16).map { 5 + $0 * (276 - 5) / 16 }
    private var levels: [[Double]] = Array(repeating: [], count: 16)

    public init() {}

    /// Adds one frame's power spectrum.
    /// - Parameter powerSpectrum: 320 bins over 0–8 kHz.
    public mutating func add(powerSpectrum: [Int32]) {
        for band in 0..<16 {
            var power = 0.0
            for bin in Self.bandEdges[band]..<Self.bandEdges[band + 1] { power += Double(powerSpectrum[bin]) }
            levels[band].append(10 * log10(power + 1))
        }
    }

    /// The estimate in dB; infinite with fewer than 10 frames (too little audio to tell).
    public var snr: Double {
        guard levels[0].count >= 10 else { return .infinity }
        let ranges = levels.map { band in
            let sorted = band.sorted()
            func percentile(_ p: Double) -> Double { sorted[Int(p * Double(sorted.count - 1))] }
            return percentile(0.95) - percentile(0.10)
        }.sorted()
        return (ranges[7] + ranges[8]) / 2
    }
}
