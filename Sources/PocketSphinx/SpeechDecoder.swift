internal import CPocketSphinx
internal import Glibc

/// One pocketsphinx decoder (`ps_decoder_t`): the acoustic model, a dictionary, and an
/// interpolated n-gram language model, decoding one utterance at a time.
///
/// Not thread-safe, like the C decoder it owns: one thread uses it at a time (asr-svc keeps
/// one per worker). Set-up is `init`, then `addWords(_:)`, then `setLanguageModel(_:)`; then
/// any number of utterances, each `startUtterance(cepstralMean:)`, `process(samples:)`… and
/// `endUtterance(maxHypotheses:)`.
///
/// ## Determinism
/// Live cepstral mean normalisation normally carries state from one utterance to the next.
/// Here every utterance starts from a mean the caller gives (`cepstralMean(of:)` of its
/// first second), and from an acoustic scorer `reset()` after the last one, so the same audio
/// fed in the same blocks always gives the same result.
public final class SpeechDecoder {
    /// Feature frames per second (pocketsphinx's default `-frate`).
    public static let framesPerSecond = 100
    /// The sample rate the acoustic model expects.
    public static let sampleRate = 16_000

    /// What the decoder is built from.
    public struct Configuration: Sendable {
        /// The directory of Debian's `pocketsphinx-en-us` (acoustic model, dictionary, LM).
        public var modelDirectory: String
        /// The pronunciation dictionary (CMU format).
        public var dictionary: String
        /// The dictionary's text when it is built in memory (`PronunciationDictionary`); it
        /// reaches pocketsphinx through a memfd and replaces `dictionary`.
        public var dictionaryText: [UInt8]?
        /// Extra pocketsphinx options, such as `("-beam", "1e-40")`.
        public var options: [(flag: String, value: String)]

        public init(
            modelDirectory: String = PocketSphinxLibrary.defaultModelDirectory,
            dictionary: String? = nil,
            options: [(flag: String, value: String)] = []
        ) {
            self.modelDirectory = modelDirectory
            self.dictionary = dictionary ?? "\(modelDirectory)/cmudict-en-us.dict"
            self.options = options
        }

        /// Sets one option, replacing any earlier value (pocketsphinx refuses a flag given twice).
        public mutating func setOption(_ flag: String, _ value: String) {
            options.removeAll { $0.flag == flag }
            options.append((flag, value))
        }

        /// The general English trigram model Debian ships.
        public var generalLanguageModel: String { "\(modelDirectory)/en-us.lm.bin" }
    }

    /// One n-gram model of an interpolated mixture.
    public struct LanguageModelComponent: Sendable {
        /// Where the model comes from.
        public enum Source: Sendable {
            /// A file sphinxbase reads (ARPA, or its binary format).
            case file(String)
            /// ARPA text built in memory; it reaches sphinxbase through a memfd, not the disk.
            case arpa([UInt8])
        }

        public var name: String
        public var source: Source
        /// The linear interpolation weight; the weights of a mixture are normalised.
        public var weight: Float

        public init(name: String, source: Source, weight: Float) {
            self.name = name
            self.source = source
            self.weight = weight
        }
    }

    private let decoder: OpaquePointer
    private let config: OpaquePointer
    private let argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let argc: Int
    /// The cepstral mean of the model (`-cmninit`), used when no audio is available.
    public let defaultCepstralMean: [Float]
    private var inUtterance = false
    /// 300 ms of fixed low-level noise (a linear congruential sequence) for the primer utterance.
    private static let primer: [Int16] = {
        var state: UInt32 = 12_345
        return (0..<4_800).map { _ in
            state = state &* 1_103_515_245 &+ 12_345
            return Int16(truncatingIfNeeded: Int32(state >> 16) % 200 - 100)
        }
    }()

    /// Loads the acoustic model and the dictionary (no language model yet).
    /// - Throws: `PocketSphinxError` when pocketsphinx rejects the options or the model.
    public init(configuration: Configuration) throws(PocketSphinxError) {
        // The in-memory dictionary is read by ps_init, and only then.
        var dictionaryFile: Int32 = -1
        if let text = configuration.dictionaryText { dictionaryFile = try Self.memoryFile("dictionary", text) }
        defer { if dictionaryFile >= 0 { close(dictionaryFile) } }
        let dictionary = dictionaryFile >= 0 ? "/proc/self/fd/\(dictionaryFile)" : configuration.dictionary
        var arguments = [
            "-hmm", "\(configuration.modelDirectory)/en-us", "-dict", dictionary, "-logfn", "/dev/null",
        ]
        for option in configuration.options { arguments += [option.flag, option.value] }
        // cmd_ln keeps pointers into argv: it lives as long as the decoder.
        argc = arguments.count
        argv = .allocate(capacity: arguments.count + 1)
        for (index, argument) in arguments.enumerated() { argv[index] = strdup(argument) }
        argv[arguments.count] = nil
        guard let config = cmd_ln_parse_r(nil, ps_args(), Int32(argc), argv, 1) else {
            Self.release(argv, argc)
            throw PocketSphinxError("pocketsphinx rejected the options \(arguments.joined(separator: " "))")
        }
        guard let decoder = ps_init(config) else {
            cmd_ln_free_r(config)
            Self.release(argv, argc)
            throw PocketSphinxError("pocketsphinx could not load the model in \(configuration.modelDirectory)")
        }
        self.config = config
        self.decoder = decoder
        if let cmn = CPocketSphinx_cmn(decoder) {
            var mean = [Float](repeating: 0, count: Int(cmn.pointee.veclen))
            mean.withUnsafeMutableBufferPointer { cmn_live_get(cmn, $0.baseAddress) }
            defaultCepstralMean = mean
        } else {
            defaultCepstralMean = []
        }
    }

    deinit {
        ps_free(decoder)
        cmd_ln_free_r(config)
        Self.release(argv, argc)
    }

    /// An anonymous in-memory file holding `bytes`, for sphinxbase's file readers to read as
    /// `/proc/self/fd/N`; the caller closes it.
    private static func memoryFile(_ name: String, _ bytes: [UInt8]) throws(PocketSphinxError) -> Int32 {
        let fd = CPocketSphinx_memfd(name)
        guard fd >= 0 else { throw PocketSphinxError("memfd_create failed (errno \(errno))") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            guard count > 0 else {
                close(fd)
                throw PocketSphinxError("Writing the in-memory \(name) failed (errno \(errno)).")
            }
            written += count
        }
        return fd
    }

    private static func release(_ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, _ count: Int) {
        for index in 0..<count { free(argv[index]) }
        argv.deallocate()
    }

    // MARK: - Dictionary and language model

    /// Whether the dictionary has `word` (lower case, as in the CMU dictionary).
    public func hasWord(_ word: String) -> Bool {
        guard let phones = ps_lookup_word(decoder, word) else { return false }
        free(phones)
        return true
    }

    /// Adds words with their pronunciations (ARPAbet phones without stress, upper case,
    /// space-separated). Call before `setLanguageModel(_:)`.
    /// - Returns: the words pocketsphinx refused (an unknown phone).
    @discardableResult
    public func addWords(_ words: [(word: String, phones: String)]) -> [String] {
        var refused: [String] = []
        for (index, entry) in words.enumerated() where !hasWord(entry.word) {
            if ps_add_word(decoder, entry.word, entry.phones, index == words.count - 1 ? 1 : 0) < 0 {
                refused.append(entry.word)
            }
        }
        return refused
    }

    /// Loads the language models, mixes them by linear interpolation (sphinxbase's model
    /// set), and makes the mixture the active search.
    /// - Throws: `PocketSphinxError` when a model cannot be read or the search not built.
    public func setLanguageModel(_ components: [LanguageModelComponent]) throws(PocketSphinxError) {
        guard !components.isEmpty else { throw PocketSphinxError("No language model given.") }
        let logmath = ps_get_logmath(decoder)
        var models: [OpaquePointer?] = []
        defer { for model in models { ngram_model_free(model) } }
        for component in components {
            let model: OpaquePointer?
            switch component.source {
            case .file(let path):
                model = ngram_model_read(config, path, NGRAM_AUTO, logmath)
            case .arpa(let text):
                let fd = try Self.memoryFile(component.name, text)
                defer { close(fd) }
                model = ngram_model_read(config, "/proc/self/fd/\(fd)", NGRAM_ARPA, logmath)
            }
            guard let model else { throw PocketSphinxError("pocketsphinx could not read the language model '\(component.name)'") }
            models.append(model)
        }
        let search: OpaquePointer
        if models.count == 1 {
            search = ngram_model_retain(models[0])
        } else {
            let total = components.reduce(Float(0)) { $0 + $1.weight }
            var weights = components.map { total > 0 ? $0.weight / total : 1 / Float(components.count) }
            var names = components.map { strdup($0.name) }
            defer { for name in names { free(name) } }
            guard
                let set = models.withUnsafeMutableBufferPointer({ modelPointer in
                    names.withUnsafeMutableBufferPointer { namePointer in
                        ngram_model_set_init(
                            config, modelPointer.baseAddress, namePointer.baseAddress, &weights, Int32(components.count))
                    }
                })
            else { throw PocketSphinxError("pocketsphinx could not interpolate the language models") }
            search = set
        }
        defer { ngram_model_free(search) }
        guard ps_set_lm(decoder, "mixed", search) == 0, ps_set_search(decoder, "mixed") == 0 else {
            throw PocketSphinxError("pocketsphinx could not build the search for the language model")
        }
    }

    // MARK: - Decoding

    /// Frames of the fixed periodic signal that reset the front end's adaptive state.
    static let primerFrames = 1_500

    /// Runs the front end alone over `block` repeated (the utterance's first 100 ms, its
    /// background) until its adaptive noise estimate has forgotten everything before: the
    /// estimate then depends on this utterance only, and starts from its background.
    private func primeFrontEnd(with block: [Int16]) {
        block.withUnsafeBufferPointer { primeFrontEnd(with: $0) }
    }

    /// `primeFrontEnd(with:)` on a block in place.
    private func primeFrontEnd(with block: UnsafeBufferPointer<Int16>) {
        guard let fe = ps_get_fe(decoder), !block.isEmpty else { return }
        let width = Int(fe_get_output_size(fe))
        let capacity = 64
        let storage = UnsafeMutablePointer<mfcc_t>.allocate(capacity: capacity * width)
        defer { storage.deallocate() }
        let rows = UnsafeMutablePointer<UnsafeMutablePointer<mfcc_t>?>.allocate(capacity: capacity)
        defer { rows.deallocate() }
        for row in 0..<capacity { rows[row] = storage + row * width }
        fe_start_utt(fe)
        var done = 0
        while done < Self.primerFrames {
            var input: UnsafePointer<Int16>? = block.baseAddress
            var count = block.count
            while count > 0 {
                var frames = Int32(capacity)
                fe_process_frames(fe, &input, &count, rows, &frames, nil)
                done += Int(frames)
                if frames == 0 { break }
            }
        }
        var last: Int32 = 0
        fe_end_utt(fe, rows[0], &last)
    }

    /// The block the front end is primed with for the current utterance.
    private var primerBlock: [Int16] = []

    /// The mean cepstrum of `samples` (16 kHz mono, the utterance's start), to start the
    /// utterance with; it also chooses the front end's primer (see `startUtterance`).
    public func cepstralMean(of samples: UnsafeBufferPointer<Int16>) -> [Float] {
        guard samples.count > 0, !inUtterance else { return defaultCepstralMean }
        primerBlock = Array(samples.prefix(1_600))
        primeFrontEnd(with: primerBlock)
        guard let fe = ps_get_fe(decoder) else { return defaultCepstralMean }
        let width = Int(fe_get_output_size(fe))
        var frameCount: Int32 = 0
        var sampleCount = samples.count
        fe_process_frames(fe, nil, &sampleCount, nil, &frameCount, nil)  // how many frames fit
        let capacity = Int(frameCount) + 2
        let storage = UnsafeMutablePointer<mfcc_t>.allocate(capacity: capacity * width)
        defer { storage.deallocate() }
        let rows = UnsafeMutablePointer<UnsafeMutablePointer<mfcc_t>?>.allocate(capacity: capacity)
        defer { rows.deallocate() }
        for row in 0..<capacity { rows[row] = storage + row * width }
        fe_start_utt(fe)
        var input: UnsafePointer<Int16>? = samples.baseAddress
        sampleCount = samples.count
        var produced = Int32(capacity - 1)
        fe_process_frames(fe, &input, &sampleCount, rows, &produced, nil)
        var last: Int32 = 0
        fe_end_utt(fe, rows[Int(produced)], &last)
        let frames = Int(produced + last)
        guard frames > 0 else { return defaultCepstralMean }
        var mean = [Float](repeating: 0, count: width)
        for row in 0..<frames {
            for column in 0..<width { mean[column] += Float(storage[row * width + column]) }
        }
        return mean.map { $0 / Float(frames) }
    }

    /// Whether `reset()` ran since the last utterance.
    private var isReset = false

    /// Puts the acoustic scorer and the search where every utterance starts from: the front end
    /// primed with the fixed primer, then the primer decoded as an utterance of its own. The
    /// scorer keeps state from the last frames it saw (the previous top Gaussians), and this
    /// overwrites it, so results never depend on earlier calls.
    ///
    /// `startUtterance` does it when it has not run since the last utterance; asr-svc calls it
    /// after each utterance, once the result has gone, to keep it off the caller's time.
    public func reset() {
        if inUtterance {
            _ = ps_end_utt(decoder)
            inUtterance = false
        }
        Self.primer.withUnsafeBufferPointer { primeFrontEnd(with: UnsafeBufferPointer(rebasing: $0.prefix(1_600))) }
        guard ps_start_stream(decoder) == 0 else { return }
        if let cmn = CPocketSphinx_cmn(decoder), defaultCepstralMean.count == Int(cmn.pointee.veclen) {
            defaultCepstralMean.withUnsafeBufferPointer { cmn_live_set(cmn, $0.baseAddress) }
        }
        if ps_start_utt(decoder) == 0 {
            Self.primer.withUnsafeBufferPointer { _ = ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 0) }
            _ = ps_end_utt(decoder)
        }
        isReset = true
    }

    /// Starts an utterance with the given cepstral mean (see the type's note).
    /// - Throws: `PocketSphinxError` when the decoder cannot start.
    public func startUtterance(cepstralMean: [Float]) throws(PocketSphinxError) {
        if inUtterance || !isReset { reset() }
        isReset = false
        // The front end's noise estimate is adaptive too: priming it with the utterance's own
        // start (see `cepstralMean(of:)`, called first) puts it where this utterance alone decides.
        primeFrontEnd(with: primerBlock)
        // A new stream per utterance: frame numbers start at 0.
        guard ps_start_stream(decoder) == 0 else { throw PocketSphinxError("ps_start_stream failed") }
        if let cmn = CPocketSphinx_cmn(decoder), cepstralMean.count == Int(cmn.pointee.veclen) {
            cepstralMean.withUnsafeBufferPointer { cmn_live_set(cmn, $0.baseAddress) }
        }
        guard ps_start_utt(decoder) == 0 else { throw PocketSphinxError("ps_start_utt failed") }
        inUtterance = true
    }

    /// Decodes more audio (16 kHz mono) of the current utterance.
    /// - Throws: `PocketSphinxError` when pocketsphinx fails.
    public func process(samples: UnsafeBufferPointer<Int16>) throws(PocketSphinxError) {
        guard inUtterance, let base = samples.baseAddress, samples.count > 0 else { return }
        guard ps_process_raw(decoder, base, samples.count, 0, 0) >= 0 else { throw PocketSphinxError("ps_process_raw failed") }
    }

    /// The best hypothesis so far in the current utterance (lower case words).
    public func partialHypothesis() -> String {
        var score: Int32 = 0
        guard let text = ps_get_hyp(decoder, &score) else { return "" }
        return String(cString: text)
    }

    /// Ends the utterance and returns the n-best hypotheses, best first, duplicates (which
    /// differ only in fillers or pronunciation variants) removed; the best carries its words.
    /// - Throws: `PocketSphinxError` when pocketsphinx fails.
    public func endUtterance(maxHypotheses: Int) throws(PocketSphinxError) -> DecodingResult {
        guard inUtterance else { return DecodingResult(hypotheses: [], frames: 0) }
        inUtterance = false
        guard ps_end_utt(decoder) >= 0 else { throw PocketSphinxError("ps_end_utt failed") }
        let frames = Int(ps_get_n_frames(decoder))
        var score: Int32 = 0
        guard let bestText = ps_get_hyp(decoder, &score) else { return DecodingResult(hypotheses: [], frames: frames) }
        let logmath = ps_get_logmath(decoder)
        let best = Self.words(String(cString: bestText))
        let posterior = min(1, max(0, logmath_exp(logmath, ps_get_prob(decoder))))
        var words: [DecodedWord] = []
        var segment = ps_seg_iter(decoder)
        while let current = segment {
            if let raw = ps_seg_word(current), let word = Self.baseWord(String(cString: raw)) {
                var start: Int32 = 0
                var end: Int32 = 0
                ps_seg_frames(current, &start, &end)
                var acoustic: Int32 = 0
                var language: Int32 = 0
                var backoff: Int32 = 0
                let probability = ps_seg_prob(current, &acoustic, &language, &backoff)
                words.append(
                    DecodedWord(
                        word: word, startFrame: Int(start), endFrame: Int(end) + 1,
                        confidence: Float(min(1, max(0, logmath_exp(logmath, probability))))))
            }
            segment = ps_seg_next(current)
        }
        var hypotheses = [DecodedHypothesis(words: best, score: score, posterior: Float(posterior))]
        if maxHypotheses > 1, !best.isEmpty {
            // Path scores are in the log base of `logmath`, on the acoustic scale; the lattice
            // posteriors divide by `-ascale`, and so do the relative weights here.
            let scale = Double(cmd_ln_float_r(config, "-ascale"))
            var nbest = ps_nbest(decoder)
            var seen: Set<[String]> = [best]
            var examined = 0
            while let current = nbest, hypotheses.count < maxHypotheses, examined < maxHypotheses * 20 {
                examined += 1
                var pathScore: Int32 = 0
                if let text = ps_nbest_hyp(current, &pathScore) {
                    let candidate = Self.words(String(cString: text))
                    if !candidate.isEmpty, seen.insert(candidate).inserted {
                        let relative = Double(pathScore) - Double(score)
                        let ratio = logmath_exp(logmath, Int32(clamping: Int(relative / max(scale, 1))))
                        hypotheses.append(
                            DecodedHypothesis(
                                words: candidate, score: pathScore, posterior: Float(min(1, posterior * min(ratio, 1)))))
                    }
                }
                nbest = ps_nbest_next(current)
            }
            if let nbest { ps_nbest_free(nbest) }
        }
        return DecodingResult(hypotheses: hypotheses, bestWords: words, frames: frames)
    }

    /// The words of a hypothesis string, without fillers and pronunciation-variant marks.
    static func words(_ text: String) -> [String] {
        text.split(separator: " ").compactMap { baseWord(String($0)) }
    }

    /// `red(2)` → `red`; fillers (`<s>`, `<sil>`, `[NOISE]`, `++GARBAGE++`) → nil.
    static func baseWord(_ raw: String) -> String? {
        guard let first = raw.first, first != "<", first != "[", first != "+" else { return nil }
        if let paren = raw.firstIndex(of: "("), raw.hasSuffix(")") { return String(raw[..<paren]) }
        return raw
    }
}

/// A word of the best hypothesis with its frames (100 per second) and posterior.
public struct DecodedWord: Sendable, Hashable {
    public var word: String
    public var startFrame: Int
    /// The frame after the word's last.
    public var endFrame: Int
    /// The word's lattice posterior probability, 0 to 1.
    public var confidence: Float
}

/// One n-best hypothesis.
public struct DecodedHypothesis: Sendable, Hashable {
    public var words: [String]
    /// The path score (log, pocketsphinx's base; higher is better).
    public var score: Int32
    /// The posterior probability: the lattice's for the best, scaled by the path score for the rest.
    public var posterior: Float

    public var text: String { words.joined(separator: " ") }
}

/// The result of one utterance.
public struct DecodingResult: Sendable {
    /// Best first.
    public var hypotheses: [DecodedHypothesis]
    /// The words of the best hypothesis with timings.
    public var bestWords: [DecodedWord] = []
    /// Frames decoded.
    public var frames: Int

    public init(hypotheses: [DecodedHypothesis] = [], bestWords: [DecodedWord] = [], frames: Int = 0) {
        self.hypotheses = hypotheses
        self.bestWords = bestWords
        self.frames = frames
    }
}

/// An error from pocketsphinx or flite.
public struct PocketSphinxError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
