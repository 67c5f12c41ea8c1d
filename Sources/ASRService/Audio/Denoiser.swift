internal import Glibc
internal import PocketSphinx

/// A noise suppressor over 16 kHz mono audio that streams, and whose output lines up with its
/// input: sample `i` of the output is the denoised sample `i` of the input, and once `finish()`
/// has returned, the output is exactly as long as the input. The output depends only on the
/// input samples, never on how they were split between calls.
///
/// `learn(from:)` first runs the suppressor over audio whose output is dropped (the noise
/// before the speech), so the pass that counts starts from a settled noise estimate.
/// Not thread-safe: one owner at a time (asr-svc: the utterance's session).
protocol Denoiser: AnyObject {
    /// Runs the suppressor over `samples` and drops the output (whole frames only).
    func learn(from samples: UnsafeBufferPointer<Int16>)
    /// Takes the next samples of the pass that counts; returns the denoised samples now ready.
    func denoise(_ samples: UnsafeBufferPointer<Int16>) -> [Int16]
    /// Ends the input (silence is assumed past it); returns the rest of the output.
    func finish() -> [Int16]
}

/// Cuts a stream into fixed frames for a suppressor whose output lags its input by a known
/// number of samples, and undoes the lag: `push` returns output sample `i` for input sample
/// `i`, and `finish` pads with silence until the output is as long as the input.
struct LaggedFrames {
    let frameSamples: Int
    let lagSamples: Int
    private var pending: [Float] = []
    private var output: [Float]
    /// Outputs still to drop: they belong to audio before this pass (or before the start).
    private var toDrop: Int
    private var inputCount = 0
    private var outputCount = 0

    init(frameSamples: Int, lagSamples: Int) {
        self.frameSamples = frameSamples
        self.lagSamples = lagSamples
        output = [Float](repeating: 0, count: frameSamples)
        toDrop = lagSamples
    }

    /// Starts a new pass over the same suppressor: the next `lagSamples` outputs are dropped.
    mutating func restart() {
        pending.removeAll()
        toDrop = lagSamples
        inputCount = 0
        outputCount = 0
    }

    /// Runs the whole frames of `input` (and of what was left from the last call) through
    /// `process(frame, output)`; returns the aligned output now ready.
    mutating func push(_ input: [Float], _ process: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        pending.append(contentsOf: input)
        inputCount += input.count
        var ready: [Float] = []
        var start = 0
        while start + frameSamples <= pending.count {
            pending.withUnsafeBufferPointer { all in
                output.withUnsafeMutableBufferPointer { out in
                    process(UnsafeBufferPointer(rebasing: all[start..<(start + frameSamples)]), out)
                }
            }
            start += frameSamples
            let skip = min(toDrop, frameSamples)
            toDrop -= skip
            ready.append(contentsOf: output[skip...])
        }
        pending.removeFirst(start)
        outputCount += ready.count
        return ready
    }

    /// Pads the input with silence until every input sample has its output; returns that output.
    mutating func finish(_ process: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        let total = inputCount
        var ready: [Float] = []
        while outputCount < total {
            let padding = frameSamples - pending.count % frameSamples
            let more = push([Float](repeating: 0, count: padding), process)
            ready.append(contentsOf: more)
        }
        let excess = outputCount - total
        if excess > 0 {
            ready.removeLast(min(excess, ready.count))
            outputCount = total
        }
        inputCount = total
        return ready
    }
}

extension Array where Element == Int16 {
    /// The samples rounded and clamped to 16 bits.
    init(rounding samples: [Float]) {
        self = samples.map { Int16(clamping: Int($0.rounded())) }
    }
}

/// speexdsp's suppressor (`NoiseSuppressor`, 20 ms frames at 16 kHz, one frame of lag).
final class SpeexDenoiser: Denoiser {
    private let suppressor: NoiseSuppressor
    private var frames = LaggedFrames(frameSamples: NoiseSuppressor.frameSamples, lagSamples: NoiseSuppressor.frameSamples)
    private var buffer = [Int16](repeating: 0, count: NoiseSuppressor.frameSamples)

    /// - Parameter suppressor: a suppressor, possibly already learnt from (`NoiseSuppressor.learn`).
    init(_ suppressor: NoiseSuppressor) {
        self.suppressor = suppressor
    }

    func learn(from samples: UnsafeBufferPointer<Int16>) {
        suppressor.learn(from: samples)
        frames.restart()
    }

    func denoise(_ samples: UnsafeBufferPointer<Int16>) -> [Int16] {
        [Int16](rounding: frames.push(samples.map(Float.init), run))
    }

    func finish() -> [Int16] {
        [Int16](rounding: frames.finish(run))
    }

    private func run(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        for index in buffer.indices { buffer[index] = Int16(input[index]) }
        buffer.withUnsafeMutableBufferPointer { suppressor.process(frame: $0) }
        for index in buffer.indices { output[index] = Float(buffer[index]) }
    }
}

/// RNNoise (`RNNoiseState`): the 16 kHz audio is resampled to 48 kHz for it and back
/// (`Resampler`, zero-phase, so neither shifts the audio), its two-frame lag is undone, and a
/// little of the input is mixed back in (`floor`), which caps how far it lowers anything:
/// in trials at 10 dB, letting it take everything out (no floor) lost more words than a floor
/// 30 dB down (25% against 15% word errors).
final class RNNoiseDenoiser: Denoiser {
    private let state: RNNoiseState
    /// The share of the input mixed into the output (30 dB down: 0.032).
    private let floor: Float
    private var up = Resampler(inputRate: 16_000, outputRate: RNNoiseLibrary.sampleRate)
    private var down = Resampler(inputRate: RNNoiseLibrary.sampleRate, outputRate: 16_000)
    private var frames = LaggedFrames(frameSamples: RNNoiseLibrary.frameSamples, lagSamples: RNNoiseLibrary.lagSamples)
    /// Input samples whose output has not come out yet (for the mix).
    private var raw: [Float] = []

    /// - Parameter suppressDB: the most anything is lowered, in dB.
    init(library: RNNoiseLibrary, suppressDB: Int) {
        state = RNNoiseState(library: library)
        floor = Float(pow(10, -Double(max(0, suppressDB)) / 20))
    }

    func learn(from samples: UnsafeBufferPointer<Int16>) {
        var up = Resampler(inputRate: 16_000, outputRate: RNNoiseLibrary.sampleRate)
        _ = frames.push(up.process(samples.map(Float.init)), run)
        frames.restart()
    }

    func denoise(_ samples: UnsafeBufferPointer<Int16>) -> [Int16] {
        let input = samples.map(Float.init)
        raw.append(contentsOf: input)
        return mix(down.process(frames.push(up.process(input), run)))
    }

    func finish() -> [Int16] {
        var denoised = frames.push(up.finish(), run)
        denoised += frames.finish(run)
        var output = down.process(denoised)
        output += down.finish()
        return mix(Array(output.prefix(raw.count)))
    }

    private func mix(_ denoised: [Float]) -> [Int16] {
        let keep = 1 - floor
        var output = [Int16](repeating: 0, count: denoised.count)
        for index in denoised.indices {
            output[index] = Int16(clamping: Int((keep * denoised[index] + floor * raw[index]).rounded()))
        }
        raw.removeFirst(denoised.count)
        return output
    }

    private func run(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        state.process(input, into: output)
    }
}
