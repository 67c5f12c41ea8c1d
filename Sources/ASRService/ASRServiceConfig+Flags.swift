internal import PocketSphinx

/// asr-svc's own flags (each also `ASR_SVC_<FLAG>` in the environment).
extension ASRServiceConfig {
    public static let flags = [
        "rec-addr", "catalog-file", "vocabulary-poll-seconds", "decoders", "max-waiting", "max-audio-seconds",
        "max-audio-bytes", "catalog-weight", "endpoint-ms", "model-dir", "beam", "decoder-options",
        "general-words", "denoise", "denoiser", "rnnoise-library", "denoise-below-snr", "noise-suppress-db",
    ]

    /// The demo catalog, used when neither `--rec-addr` nor `--catalog-file` is given.
    public static let defaultCatalogFile = "services/rec-svc/demo/products.jsonl"

    /// Reads the flags through `value`.
    /// - Returns: the configuration, the vocabulary source and the polling interval.
    /// - Throws: `ASRError` (`.invalidRequest`) naming the bad flag.
    public static func parse(
        _ value: (String) -> String?
    ) throws(ASRError) -> (config: ASRServiceConfig, source: VocabularySource, poll: Duration) {
        var config = ASRServiceConfig()
        func number(_ flag: String, _ range: ClosedRange<Double>) throws(ASRError) -> Double? {
            guard let text = value(flag) else { return nil }
            guard let number = Double(text), range.contains(number) else {
                throw ASRError(.invalidRequest, "--\(flag) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'.")
            }
            return number
        }
        if let decoders = try number("decoders", 1...64) { config.decoders = Int(decoders) }
        if let waiting = try number("max-waiting", 0...10_000) { config.maxWaiting = Int(waiting) }
        if let seconds = try number("max-audio-seconds", 1...600) { config.limits.maxSeconds = seconds }
        if let bytes = try number("max-audio-bytes", 1_000...1e9) { config.limits.maxBytes = Int(bytes) }
        if let weight = try number("catalog-weight", 0...1) {
            config.engine.catalogWeight = Float(weight)
            config.engine.mixGeneralModel = weight < 1
        }
        if let words = try number("general-words", 0...1_000_000) { config.engine.generalWords = words == 0 ? nil : Int(words) }
        if let endpoint = try number("endpoint-ms", 100...5_000) { config.voiceActivity.endpointFrames = Int(endpoint / 10) }
        if let mode = value("denoise") {
            guard let parsed = DenoisingSettings.Mode(rawValue: mode) else {
                throw ASRError(.invalidRequest, "--denoise must be auto, on or off, not '\(mode)'.")
            }
            config.denoising.mode = parsed
        }
        if let kind = value("denoiser") {
            guard let parsed = DenoisingSettings.Kind(rawValue: kind) else {
                throw ASRError(.invalidRequest, "--denoiser must be rnnoise or speexdsp, not '\(kind)'.")
            }
            config.denoising.denoiser = parsed
        }
        if let path = value("rnnoise-library") { config.denoising.rnnoiseLibrary = path }
        if let snr = try number("denoise-below-snr", 0...100) { config.denoising.belowSNR = snr }
        if let level = try number("noise-suppress-db", 1...60) { config.denoising.suppressDB = Int(level) }
        if config.denoising.mode != .off, config.denoising.denoiser == .rnnoise {
            // Loaded now, so a missing library stops the start rather than the first noisy call.
            do throws(PocketSphinxError) {
                _ = try RNNoiseLibrary.load(path: config.denoising.rnnoiseLibrary)
            } catch {
                throw ASRError(
                    .invalidRequest,
                    "--rnnoise-library: \(error.description). Run scripts/fetch-models, point --rnnoise-library at librnnoise.so, or pass --denoiser speexdsp.")
            }
        }
        if let directory = value("model-dir") {
            config.engine.decoder.modelDirectory = directory
            config.engine.decoder.dictionary = "\(directory)/cmudict-en-us.dict"
        }
        if let beam = value("beam") {
            guard Double(beam) != nil else { throw ASRError(.invalidRequest, "--beam must be a number such as 1e-48, not '\(beam)'.") }
            config.engine.decoder.setOption("-beam", beam)
        }
        if let text = value("decoder-options") {
            let words = text.split(separator: " ").map(String.init)
            guard words.count.isMultiple(of: 2), stride(from: 0, to: words.count, by: 2).allSatisfy({ words[$0].hasPrefix("-") })
            else {
                throw ASRError(.invalidRequest, "--decoder-options must be pocketsphinx flag and value pairs such as '-maxhmmpf 3000', not '\(text)'.")
            }
            for index in stride(from: 0, to: words.count, by: 2) {
                config.engine.decoder.setOption(words[index], words[index + 1])
            }
        }
        let poll = try number("vocabulary-poll-seconds", 0.05...86_400) ?? 10
        let source: VocabularySource
        if let address = value("rec-addr") {
            source = .rec(address: address)
        } else {
            source = .productsFile(value("catalog-file") ?? defaultCatalogFile)
        }
        return (config, source, .milliseconds(Int(poll * 1000)))
    }
}
