internal import JSON

/// What the gateway checks of uploaded audio before sending it to asr-svc: that a WAV file is
/// 16-bit PCM with a sane header, and how many seconds it holds (for the audio limit).
/// The bytes stay in memory and are never written to disk.
public struct AudioInput: Sendable, Equatable {
    /// How the bytes are encoded.
    public enum Format: Sendable, Equatable {
        /// A RIFF/WAVE file.
        case wav
        /// Raw little-endian 16-bit PCM.
        case pcm16
    }

    /// The encoding.
    public var format: Format
    /// Samples per second.
    public var sampleRate: Int
    /// Interleaved channels.
    public var channels: Int
    /// The bytes of sample data.
    public var dataBytes: Int

    /// The duration in seconds.
    public var seconds: Double { Double(dataBytes) / Double(max(1, sampleRate * channels * 2)) }

    /// Reads a WAV header.
    /// - Throws: `GatewayError` 400 `invalid_audio` saying what is wrong.
    public static func wav(_ bytes: [UInt8]) throws(GatewayError) -> AudioInput {
        func fail(_ message: String) -> GatewayError {
            GatewayError(status: 400, code: "invalid_audio", message: "malformed WAV: \(message)")
        }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw fail("it does not start with a RIFF/WAVE header")
        }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = bytes[offset..<offset + 4]
            let size = u32(offset + 4)
            let body = offset + 8
            if id.elementsEqual("fmt ".utf8) {
                guard size >= 16, body + 16 <= bytes.count else { throw fail("the fmt chunk is truncated") }
                format = (u16(body), u16(body + 2), u32(body + 4), u16(body + 14))
            } else if id.elementsEqual("data".utf8) {
                guard let format else { throw fail("the data chunk comes before the fmt chunk") }
                guard format.tag == 1 || format.tag == 0xFFFE else { throw fail("only PCM audio is accepted (format tag \(format.tag))") }
                guard format.bits == 16 else { throw fail("only 16-bit samples are accepted (\(format.bits)-bit)") }
                guard (1...2).contains(format.channels) else { throw fail("only mono or stereo is accepted (\(format.channels) channels)") }
                guard (8000...48000).contains(format.rate) else { throw fail("the sample rate must be 8000-48000 Hz (\(format.rate) Hz)") }
                // Streaming writers put 0 or 0xFFFFFFFF in the size: the data runs to the end.
                let available = bytes.count - body
                let dataBytes = size == 0 || size > available ? available : size
                return AudioInput(format: .wav, sampleRate: format.rate, channels: format.channels, dataBytes: dataBytes)
            }
            guard body + size <= bytes.count else { throw fail("a chunk is truncated") }
            offset = body + size + (size & 1)
        }
        throw fail(format == nil ? "no fmt chunk" : "no data chunk")
    }

    /// Describes raw PCM16 audio.
    /// - Throws: `GatewayError` 400 for a bad rate or channel count or an odd byte count.
    public static func pcm16(byteCount: Int, sampleRate: Int, channels: Int) throws(GatewayError) -> AudioInput {
        guard (8000...48000).contains(sampleRate) else {
            throw GatewayError(status: 400, code: "invalid_audio", message: "raw PCM16 needs a sample rate of 8000-48000 Hz (got \(sampleRate))")
        }
        guard (1...2).contains(channels) else {
            throw GatewayError(status: 400, code: "invalid_audio", message: "raw PCM16 must be mono or stereo (got \(channels) channels)")
        }
        guard byteCount % (2 * channels) == 0 else {
            throw GatewayError(status: 400, code: "invalid_audio", message: "raw PCM16 must have whole samples (\(byteCount) bytes)")
        }
        return AudioInput(format: .pcm16, sampleRate: sampleRate, channels: channels, dataBytes: byteCount)
    }

    /// Refuses audio longer than `maxSeconds` with 413 `audio_too_long`, and empty audio with 400.
    public func check(maxSeconds: Double) throws(GatewayError) {
        guard dataBytes > 0 else { throw GatewayError(status: 400, code: "invalid_audio", message: "the audio holds no samples") }
        guard seconds <= maxSeconds else {
            throw GatewayError(
                status: 413, code: "audio_too_long",
                message: "the audio is \(Int(seconds.rounded(.up))) seconds long; the limit is \(Int(maxSeconds)) seconds",
                details: ["seconds": .number(String(Int(seconds.rounded(.up)))), "limit_seconds": .number(String(Int(maxSeconds)))])
        }
    }
}
