public import Protos

/// Turns encoded audio bytes, as they arrive in any number of pieces, into mono samples at
/// the source rate: a RIFF/WAVE header parsed incrementally, or raw little-endian PCM16.
/// Stereo is averaged to mono. Limits are checked as bytes and samples arrive.
///
/// The same bytes give the same samples however they are split, so a stream and a unary call
/// on the same audio see identical input.
public struct AudioStreamDecoder: Sendable {
    /// The encoding and layout once known (at once for PCM16, after the header for WAV).
    public struct Format: Sendable, Hashable {
        public var sampleRate: Int
        public var channels: Int
    }

    private enum State: Sendable {
        /// Collecting the WAV header; `pending` holds every byte so far.
        case header
        /// In the sample data; `remaining` is how many data bytes the header announced (nil: to the end).
        case samples(remaining: Int?)
        /// After the data chunk: trailing chunks are ignored.
        case trailer
    }

    public private(set) var format: Format?
    public private(set) var receivedBytes = 0
    public private(set) var sampleCount = 0
    private var state: State
    private var pending: [UInt8] = []
    private let limits: AudioLimits
    private let isWAV: Bool

    /// The largest WAV header (with LIST and other chunks before `data`) that is accepted.
    static let maxHeaderBytes = 64 << 10

    /// - Throws: `ASRError` when the configuration cannot describe audio (PCM16 without a
    ///   rate, an unknown format).
    public init(config: ASRV1.RecognitionConfig, firstBytes: some Collection<UInt8>, limits: AudioLimits) throws(ASRError) {
        self.limits = limits
        switch config.format {
        case .wav:
            isWAV = true
        case .unspecified:
            guard !firstBytes.isEmpty else {
                throw ASRError(.emptyAudio, "The audio is empty.")
            }
            guard firstBytes.starts(with: Array("RIFF".utf8)) else {
                throw ASRError(
                    .invalidAudio,
                    "The audio has no RIFF/WAVE header; for raw samples set format AUDIO_FORMAT_PCM16 with sample_rate.")
            }
            isWAV = true
        case .pcm16:
            isWAV = false
            let rate = Int(config.sampleRate)
            guard rate != 0 else { throw ASRError(.invalidRequest, "Raw PCM16 audio needs sample_rate (8000 to 48000).") }
            guard AudioLimits.sampleRates.contains(rate) else {
                throw ASRError(.unsupportedAudio, "The sample rate \(rate) Hz is outside 8000 to 48000 Hz.")
            }
            let channels = config.channels == 0 ? 1 : Int(config.channels)
            guard (1...2).contains(channels) else {
                throw ASRError(.unsupportedAudio, "Raw PCM16 audio must have 1 or 2 channels, not \(config.channels).")
            }
            format = Format(sampleRate: rate, channels: channels)
        case .unrecognized(let value):
            throw ASRError(.invalidRequest, "Unknown audio format \(value).")
        }
        state = isWAV ? .header : .samples(remaining: nil)
    }

    /// The seconds of audio decoded so far.
    public var seconds: Double {
        guard let format else { return 0 }
        return Double(sampleCount) / Double(format.sampleRate)
    }

    /// Decodes the next piece of audio.
    /// - Returns: the new mono samples, scaled to -1...1.
    /// - Throws: `ASRError` for a malformed header, an unsupported encoding or an exceeded limit.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(ASRError) -> [Float] {
        receivedBytes += bytes.count
        guard receivedBytes <= limits.maxBytes else {
            throw ASRError(.audioTooLarge, "The audio is larger than the limit of \(limits.maxBytes) bytes.")
        }
        pending.append(contentsOf: bytes)
        if case .header = state {
            guard try parseHeader() else { return [] }
        }
        return try drainSamples()
    }

    /// Checks the end of the audio.
    /// - Throws: `ASRError` when the header never completed, a sample was cut in half (raw
    ///   PCM16), or there were no samples.
    public mutating func finish() throws(ASRError) {
        if receivedBytes == 0 { throw ASRError(.emptyAudio, "The audio is empty.") }
        if case .header = state {
            throw ASRError(.invalidAudio, "The WAV header is incomplete: no 'data' chunk after \(receivedBytes) bytes.")
        }
        if !isWAV, !pending.isEmpty {
            throw ASRError(.invalidAudio, "The raw PCM16 audio ends in the middle of a sample frame (\(receivedBytes) bytes).")
        }
        if sampleCount == 0 { throw ASRError(.emptyAudio, "The audio has no samples.") }
    }

    private mutating func drainSamples() throws(ASRError) -> [Float] {
        guard let format, case .samples(let remaining) = state else {
            pending.removeAll()
            return []
        }
        var usable = pending.count
        if let remaining { usable = min(usable, remaining) }
        let frameBytes = 2 * format.channels
        usable -= usable % frameBytes
        let frames = usable / frameBytes
        let maxSamples = Int(limits.maxSeconds * Double(format.sampleRate))
        guard sampleCount + frames <= maxSamples else {
            throw ASRError(.audioTooLong, "The audio is longer than the limit of \(Self.seconds(limits.maxSeconds)) seconds.")
        }
        var output = [Float](repeating: 0, count: frames)
        pending.withUnsafeBufferPointer { bytes in
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<format.channels {
                    let offset = frame * frameBytes + channel * 2
                    sum += Float(Int16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8))
                }
                output[frame] = sum / (32768 * Float(format.channels))
            }
        }
        pending.removeFirst(usable)
        sampleCount += frames
        if let remaining {
            let left = remaining - usable
            if left < frameBytes {
                state = .trailer
                pending.removeAll()
            } else {
                state = .samples(remaining: left)
            }
        }
        return output
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }

    /// Parses the RIFF header in `pending`; true when the data chunk was reached (the header
    /// bytes are then removed from `pending`).
    private mutating func parseHeader() throws(ASRError) -> Bool {
        let bytes = pending
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<(at + 4)], as: UTF8.self) }
        guard bytes.count >= 12 else {
            if !bytes.isEmpty, !Array("RIFF".utf8).starts(with: bytes.prefix(4)) { throw notRIFF() }
            return false
        }
        guard tag(0) == "RIFF" else { throw notRIFF() }
        guard tag(8) == "WAVE" else {
            throw ASRError(.invalidAudio, "The RIFF file is not WAVE audio (form type '\(Self.printable(tag(8)))').")
        }
        var offset = 12
        var found: Format?
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "data" {
                guard let fmt = found else {
                    throw ASRError(.invalidAudio, "The WAV 'data' chunk comes before the 'fmt ' chunk.")
                }
                format = fmt
                // 0 and 0xFFFFFFFF are what streaming writers put before they know the length.
                state = .samples(remaining: size == 0 || size == 0xFFFF_FFFF ? nil : size)
                pending.removeFirst(body)
                return true
            }
            guard body + size <= bytes.count else { break }
            if id == "fmt " {
                found = try Self.parseFormat(bytes[body..<(body + size)])
            }
            offset = body + size + (size & 1)
        }
        guard bytes.count <= Self.maxHeaderBytes else {
            throw ASRError(.invalidAudio, "No WAV 'data' chunk in the first \(Self.maxHeaderBytes) bytes.")
        }
        return false
    }

    private func notRIFF() -> ASRError {
        ASRError(
            .invalidAudio,
            isWAV
                ? "The audio does not start with a RIFF/WAVE header."
                : "The audio has no RIFF/WAVE header; for raw samples set format AUDIO_FORMAT_PCM16 with sample_rate.")
    }

    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0.value < 127 ? Character($0) : "?" })
    }

    /// Validates a `fmt ` chunk: PCM (or WAVE_FORMAT_EXTENSIBLE with the PCM subformat),
    /// 16 bits, 1 or 2 channels, 8–48 kHz.
    static func parseFormat(_ chunk: ArraySlice<UInt8>) throws(ASRError) -> Format {
        let bytes = Array(chunk)
        guard bytes.count >= 16 else { throw ASRError(.invalidAudio, "The WAV 'fmt ' chunk is \(bytes.count) bytes, under 16.") }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        var encoding = u16(0)
        let channels = u16(2)
        let rate = u16(4) | u16(6) << 16
        let blockAlign = u16(12)
        let bits = u16(14)
        if encoding == 0xFFFE {
            guard bytes.count >= 26 else { throw ASRError(.invalidAudio, "The WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is too short.") }
            encoding = u16(24)
        }
        let names = [3: "IEEE float", 6: "A-law", 7: "µ-law", 2: "Microsoft ADPCM", 0x11: "IMA ADPCM", 0x55: "MP3"]
        guard encoding == 1 else {
            throw ASRError(
                .unsupportedAudio,
                "The WAV encoding is \(names[encoding] ?? "format tag \(encoding)"); only 16-bit PCM is supported.")
        }
        guard bits == 16 else { throw ASRError(.unsupportedAudio, "The WAV audio is \(bits)-bit PCM; only 16-bit PCM is supported.") }
        guard (1...2).contains(channels) else {
            throw ASRError(.unsupportedAudio, "The WAV audio has \(channels) channels; only mono and stereo are supported.")
        }
        guard AudioLimits.sampleRates.contains(rate) else {
            throw ASRError(.unsupportedAudio, "The WAV sample rate \(rate) Hz is outside 8000 to 48000 Hz.")
        }
        guard blockAlign == channels * 2 else {
            throw ASRError(.invalidAudio, "The WAV block alignment \(blockAlign) does not match \(channels) channel(s) of 16 bits.")
        }
        return Format(sampleRate: rate, channels: channels)
    }
}
