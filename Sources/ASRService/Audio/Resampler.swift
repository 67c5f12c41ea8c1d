internal import Glibc

/// A polyphase windowed-sinc resampler from any rate to another (asr-svc: to 16 kHz).
///
/// The rate ratio is reduced to `up / down`. Output sample `n` sits at input position
/// `n · down / up`; it is the input convolved with a Kaiser-windowed sinc low-pass whose
/// cutoff is 0.95 × the lower Nyquist frequency, so downsampling does not alias. The taps of
/// each of the `up` phases are computed once (or per sample when `up` is very large).
///
/// It streams: `process(_:)` returns every output sample whose window is complete, and
/// `finish()` the rest, with zeros past the end. Output depends only on the input samples,
/// never on how they were split.
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    private let up: Int
    private let down: Int
    /// Half the filter length, in input samples.
    private let halfWidth: Int
    private let cutoff: Double
    /// `up` rows of `2 · halfWidth` taps (empty when computed on the fly).
    private let table: [Float]
    /// Input samples not yet fully used; `buffer[0]` is input index `bufferStart`.
    private var buffer: [Float] = []
    private var bufferStart = 0
    private var inputCount = 0
    private var nextOutput = 0

    /// Zero crossings of the sinc on each side, at the cutoff frequency.
    static let zeroCrossings = 16
    static let kaiserBeta = 8.0
    static let maxTablePhases = 2_048

    public init(inputRate: Int, outputRate: Int) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        let divisor = Self.gcd(inputRate, outputRate)
        up = outputRate / divisor
        down = inputRate / divisor
        cutoff = 0.95 * min(1, Double(up) / Double(down))
        halfWidth = Int((Double(Self.zeroCrossings) / cutoff).rounded(.up))
        if up != down, up <= Self.maxTablePhases {
            var table = [Float](repeating: 0, count: up * 2 * halfWidth)
            for phase in 0..<up {
                let row = Self.taps(fraction: Double(phase) / Double(up), halfWidth: halfWidth, cutoff: cutoff)
                for (index, tap) in row.enumerated() { table[phase * 2 * halfWidth + index] = tap }
            }
            self.table = table
        } else {
            table = []
        }
    }

    /// The taps for an output at `fraction` (0..<1) past an input sample, for inputs at
    /// offsets `-halfWidth + 1 ... halfWidth`, normalised to unit gain at DC.
    static func taps(fraction: Double, halfWidth: Int, cutoff: Double) -> [Float] {
        var taps = [Double](repeating: 0, count: 2 * halfWidth)
        var sum = 0.0
        for index in 0..<(2 * halfWidth) {
            let x = Double(index - halfWidth + 1) - fraction
            let t = x / Double(halfWidth)
            guard abs(t) < 1 else { continue }
            let argument = Double.pi * cutoff * x
            let sinc = abs(argument) < 1e-12 ? 1 : sin(argument) / argument
            let window = besselI0(kaiserBeta * (1 - t * t).squareRoot()) / besselI0(kaiserBeta)
            taps[index] = cutoff * sinc * window
            sum += taps[index]
        }
        return taps.map { Float($0 / sum) }
    }

    /// The modified Bessel function of the first kind, order 0 (series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        var k = 1.0
        while term > 1e-12 * sum {
            term *= (x / (2 * k)) * (x / (2 * k))
            sum += term
            k += 1
        }
        return sum
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Feeds input samples; returns the output samples now complete.
    public mutating func process(_ input: [Float]) -> [Float] {
        buffer.append(contentsOf: input)
        inputCount += input.count
        return produce(final: false)
    }

    /// Returns the remaining output (the input is over; zeros are assumed past it).
    public mutating func finish() -> [Float] {
        produce(final: true)
    }

    private mutating func produce(final: Bool) -> [Float] {
        if up == down {
            defer {
                bufferStart += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            nextOutput = inputCount
            return buffer
        }
        // Output n covers inputs floor(n·down/up) - halfWidth + 1 ... floor(n·down/up) + halfWidth.
        let total = (inputCount * up + down - 1) / down  // outputs that fall inside the input
        var output: [Float] = []
        while nextOutput < total {
            let position = nextOutput * down
            let center = position / up
            let phase = position % up
            if !final, center + halfWidth >= inputCount { break }
            var sum: Float = 0
            let first = center - halfWidth + 1
            if table.isEmpty {
                let taps = Self.taps(fraction: Double(phase) / Double(up), halfWidth: halfWidth, cutoff: cutoff)
                for (index, tap) in taps.enumerated() { sum += tap * sample(first + index) }
            } else {
                let row = phase * 2 * halfWidth
                for index in 0..<(2 * halfWidth) { sum += table[row + index] * sample(first + index) }
            }
            output.append(sum)
            nextOutput += 1
        }
        // Drop inputs no later output needs.
        let needed = (nextOutput * down) / up - halfWidth + 1
        if needed > bufferStart {
            let drop = min(needed - bufferStart, buffer.count)
            buffer.removeFirst(drop)
            bufferStart += drop
        }
        return output
    }

    private func sample(_ index: Int) -> Float {
        let local = index - bufferStart
        return local >= 0 && local < buffer.count ? buffer[local] : 0
    }
}
