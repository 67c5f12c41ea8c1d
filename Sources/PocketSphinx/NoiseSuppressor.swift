internal import CSpeexDSP
internal import Glibc

/// speexdsp's noise suppressor (Debian `libspeexdsp`) over 16 kHz mono audio in 20 ms frames.
/// It learns the noise's spectrum as it goes and takes it off each frame, so stationary noise
/// (fans, hum, street) loses most of its energy before the engine's feature extraction sees it.
///
/// speexdsp overlaps each frame with the one before, so the audio that comes out of a call is
/// the frame given to the previous call: `process(frame:)` returns that one-frame-late output
/// as it is, and callers line it up (asr-svc's `UtteranceSession` does).
///
/// Only denoising is on: no automatic gain, no dereverberation, and speexdsp's own voice
/// activity detection is left at its default (off; setting it prints a warning on stderr).
/// Not thread-safe: one owner at a time.
public final class NoiseSuppressor {
    /// Samples per frame (20 ms at 16 kHz, the frame speexdsp is tuned for).
    public static let frameSamples = 320

    private let state: OpaquePointer

    /// - Parameter suppressDB: the most the noise is lowered, in dB (speexdsp's default is 15).
    public init(suppressDB: Int) {
        guard let state = speex_preprocess_state_init(Int32(Self.frameSamples), 16_000) else {
            fatalError("speex_preprocess_state_init failed (out of memory)")
        }
        self.state = state
        var on: Int32 = 1
        var off: Int32 = 0
        var level = -Int32(clamping: max(0, suppressDB))
        speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_DENOISE, &on)
        speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &level)
        speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_AGC, &off)
        speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_DEREVERB, &off)
        var spectrumSize: Int32 = 0
        speex_preprocess_ctl(state, SPEEX_PREPROCESS_GET_PSD_SIZE, &spectrumSize)
        precondition(spectrumSize == Int32(Self.frameSamples), "speexdsp's spectrum has \(spectrumSize) bins, not \(Self.frameSamples)")
    }

    deinit { speex_preprocess_state_destroy(state) }

    /// Runs one frame through the suppressor, in place.
    /// - Parameter frame: `frameSamples` samples of input; on return, the denoised audio of the
    ///   frame given to the call before (speexdsp's one-frame delay).
    public func process(frame: UnsafeMutableBufferPointer<Int16>) {
        precondition(frame.count == Self.frameSamples, "a NoiseSuppressor frame is \(Self.frameSamples) samples")
        _ = speex_preprocess_run(state, frame.baseAddress)
    }

    /// Runs the whole frames of `samples` through the suppressor and drops the output, so its
    /// noise estimate settles on them.
    /// - Parameter samples: 16 kHz audio; a last part frame is left out.
    /// - Returns: the audio's estimated SNR in dB (see `SNREstimate`).
    @discardableResult
    public func learn(from samples: UnsafeBufferPointer<Int16>) -> Double {
        var frame = [Int16](repeating: 0, count: Self.frameSamples)
        var spectrum = [Int32](repeating: 0, count: Self.frameSamples)
        var estimate = SNREstimate()
        var start = samples.startIndex
        while start + frame.count <= samples.endIndex {
            for index in frame.indices { frame[index] = samples[start + index] }
            frame.withUnsafeMutableBufferPointer { process(frame: $0) }
            // The spectrum is the input's, of the frame just given (no delay there).
            spectrum.withUnsafeMutableBufferPointer { _ = speex_preprocess_ctl(state, SPEEX_PREPROCESS_GET_PSD, $0.baseAddress) }
            estimate.add(powerSpectrum: spectrum)
            start += frame.count
        }
        return estimate.snr
    }
}
